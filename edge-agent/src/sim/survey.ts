import { footprintM } from './camera.js';

export interface LocalPoint {
  /** Metres east of the site point. */
  x: number;
  /** Metres north of the site point. */
  y: number;
}

export interface SurveyPlan {
  altitudeM: number;
  /** Lane ends in flying order (boustrophedon: east, west, east...). */
  waypoints: LocalPoint[];
  laneSpacingM: number;
}

/**
 * A lawnmower pattern over a rectangle centred on the site: east–west lanes spaced so neighbouring images overlap
 * by `sidelap` across track (70 % is the usual photogrammetry minimum).
 */
export function planLawnmower(options: { widthM: number; heightM: number; altitudeM: number; sidelap?: number }): SurveyPlan {
  const sidelap = options.sidelap ?? 0.7;
  const laneSpacingM = footprintM(options.altitudeM).acrossM * (1 - sidelap);
  const lanes = Math.max(2, Math.ceil(options.heightM / laneSpacingM) + 1);
  const halfW = options.widthM / 2;
  const south = -((lanes - 1) * laneSpacingM) / 2;
  const waypoints: LocalPoint[] = [];
  for (let lane = 0; lane < lanes; lane++) {
    const y = south + lane * laneSpacingM;
    const eastbound = lane % 2 === 0;
    waypoints.push({ x: eastbound ? -halfW : halfW, y }, { x: eastbound ? halfW : -halfW, y });
  }
  return { altitudeM: options.altitudeM, waypoints, laneSpacingM };
}

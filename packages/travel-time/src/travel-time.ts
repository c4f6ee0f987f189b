import type { EtaUpdate } from '@fieldtrace/protocol';
import type { PlannedRoute } from './planned-route.js';
import { hourOfWeek, type SpeedProfile } from './speed-profile.js';

/**
 * Remaining travel time, integrated over the road ahead in steps of at most STEP_M: along a planned route each
 * piece at the learned speed of its H3 cell for the hour of the week the vehicle will be there; along a great
 * circle at the pooled speed of the cells on the line. Either way blended, for the first minute or two, with the
 * speed the vehicle has been doing: one stuck behind a refuse lorry is slow for the next minute, not for the rest
 * of the day; one on an empty road is fast now, but the profile knows the town centre ahead.
 */

export type EtaMethod = EtaUpdate['method'];

/** The vehicle's own recent speed and how much it counts at the start of the estimate (0..1). */
export interface NearSpeed {
  speedMs: number;
  weight: number;
}

export const NO_NEAR_SPEED: NearSpeed = Object.freeze({ speedMs: 0, weight: 0 });

export interface TravelEstimate {
  seconds: number;
  /** Road distance assumed, m. */
  distanceM: number;
  method: EtaMethod;
}

/** Integration step, m: the distance over which the near-speed weight and the hour may be taken as constant. */
const STEP_M = 200;
/** A great-circle estimate looks up at most this many cells along the line (an H3 lookup costs ~1 µs). */
const MAX_LINE_SAMPLES = 16;
/** Slowest speed an integration step assumes, m/s. */
const FLOOR_SPEED_MS = 0.5;
/** Time constant over which the vehicle's own speed gives way to the profile, s. */
export const NEAR_SPEED_TAU_S = 90;
/** The vehicle's own speed never counts for more than this, even at the first metre. */
export const MAX_NEAR_WEIGHT = 0.8;
/** Seconds of observed travel at which the vehicle's speed reaches half its maximum weight. */
const NEAR_CONFIDENCE_S = 60;

/** The weight a vehicle's recent speed gets from `recentS` seconds of evidence. */
export function nearWeight(recentS: number): number {
  return recentS > 0 ? (MAX_NEAR_WEIGHT * recentS) / (recentS + NEAR_CONFIDENCE_S) : 0;
}

function stepSpeed(profileMs: number, near: NearSpeed, elapsedS: number): number {
  const w = near.weight > 0 ? near.weight * Math.exp(-elapsedS / NEAR_SPEED_TAU_S) : 0;
  return Math.max(FLOOR_SPEED_MS, (1 - w) * profileMs + w * near.speedMs);
}

/** Seconds to drive from `fromM` to `toM` along a planned route, leaving at `ts` (Unix ms). */
export function routeSeconds(profile: SpeedProfile, route: PlannedRoute, fromM: number, toM: number, ts: number, near: NearSpeed): number {
  const starts = route.pieceStartM;
  const n = starts.length;
  let k = pieceAt(starts, fromM);
  let at = fromM;
  let seconds = 0;
  while (at < toM && k < n) {
    const end = Math.min(k + 1 < n ? starts[k + 1]! : route.lengthM, toM);
    if (end > at) {
      const v = profile.speedOfCell(route.pieceCell[k]!, route.pieceParent[k]!, hourOfWeek(ts + seconds * 1000));
      seconds += (end - at) / stepSpeed(v, near, seconds);
      at = end;
    }
    k++;
  }
  return seconds;
}

/**
 * Seconds to cover `straightM` of great-circle distance from one point to another at `detour` times the road
 * distance, leaving at `ts`. The road being unknown, so is which cells it crosses: the speed is that of the cells
 * along the straight line pooled by their evidence (SpeedProfile.poolAt). Timing each sample cell on its own
 * was measured worse on the Liverpool traces (bench/eta: MAE 4.8 against 3.7 min): a cell the road only clips,
 * seen for a minute at a bus stop, then slows a whole stretch of the line.
 */
export function lineSeconds(
  profile: SpeedProfile,
  lat: number,
  lon: number,
  toLat: number,
  toLon: number,
  straightM: number,
  detour: number,
  ts: number,
  near: NearSpeed,
): number {
  const roadM = straightM * detour;
  if (!(roadM > 0)) return 0;
  const samples = Math.min(MAX_LINE_SAMPLES, Math.max(1, Math.ceil(straightM / STEP_M)));
  const hour = hourOfWeek(ts);
  const pool = LINE_POOL;
  pool.metres = 0;
  pool.seconds = 0;
  for (let j = 0; j < samples; j++) {
    const f = (j + 0.5) / samples;
    profile.poolAt(lat + f * (toLat - lat), lon + f * (toLon - lon), hour, pool);
  }
  const v = pool.metres / pool.seconds;
  const steps = Math.max(1, Math.ceil(roadM / STEP_M));
  const stepM = roadM / steps;
  let seconds = 0;
  for (let q = 0; q < steps; q++) seconds += stepM / stepSpeed(v, near, seconds);
  return seconds;
}

const LINE_POOL = { metres: 0, seconds: 0 };

function pieceAt(starts: Float64Array, alongM: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= alongM) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

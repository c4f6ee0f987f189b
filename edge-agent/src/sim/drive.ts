import { segmentAt, type Route } from './route.js';

/** A loaded plough truck: gentle acceleration, comfortable braking planned ahead, harder braking when needed. */
export const ACCELERATION_MPS2 = 1.0;
export const COMFORT_DECEL_MPS2 = 1.5;
export const MAX_DECEL_MPS2 = 3.5;
/** Substep for integration, ms: short enough that braking into a stop never overshoots it by more than ~1 m. */
export const MAX_STEP_MS = 200;

export interface DriveState {
  route: Route;
  /** Distance travelled along the route, m. */
  s: number;
  /** Speed, m/s. */
  v: number;
  segment: number;
  /** Standing at a junction until this event time. */
  holdUntil: number;
}

export type DriveOutcome = 'moving' | 'holding' | 'arrived';

export function startDrive(route: Route): DriveState {
  return { route, s: 0, v: 0, segment: 0, holdUntil: 0 };
}

/**
 * Advances one substep (≤ MAX_STEP_MS) ending at event time `t`. The speed aims for the segment's target but is
 * capped, for every vertex within braking distance, by the speed that still allows slowing to that vertex's
 * corner speed (v² = v_c² + 2·a·d), so the truck slows into turns and comes to rest exactly at stops.
 */
export function driveStep(d: DriveState, dtMs: number, t: number): DriveOutcome {
  const route = d.route;
  const last = route.cum.length - 1;
  if (last <= 0 || d.s >= route.lengthM) {
    d.s = route.lengthM;
    d.v = 0;
    return 'arrived';
  }
  if (t <= d.holdUntil) return 'holding';
  const dt = dtMs / 1000;

  let allowed = route.segmentSpeed[d.segment]!;
  let stopAt = last;
  const lookahead = (d.v * d.v) / (2 * COMFORT_DECEL_MPS2) + 30;
  for (let k = d.segment + 1; k <= last; k++) {
    const distance = route.cum[k]! - d.s;
    if (distance <= 0) continue;
    const stops = k === last || route.holdMs[k]! > 0;
    if (stops) stopAt = k;
    if (distance > lookahead && !stops) break;
    const vk = stops ? 0 : Math.min(route.cornerSpeed[k]!, route.segmentSpeed[k]!);
    allowed = Math.min(allowed, Math.sqrt(vk * vk + 2 * COMFORT_DECEL_MPS2 * distance));
    if (stops || distance > lookahead) break;
  }

  if (d.v < allowed) d.v = Math.min(allowed, d.v + ACCELERATION_MPS2 * dt);
  else d.v = Math.max(allowed, d.v - MAX_DECEL_MPS2 * dt);

  const travel = d.v * dt;
  const toStop = route.cum[stopAt]! - d.s;
  if (travel >= toStop) {
    d.s = route.cum[stopAt]!;
    d.v = 0;
    d.segment = segmentAt(route, d.s, d.segment);
    if (stopAt === last) return 'arrived';
    d.holdUntil = t + route.holdMs[stopAt]!;
    return 'holding';
  }
  d.s += travel;
  d.segment = segmentAt(route, d.s, d.segment);
  return 'moving';
}

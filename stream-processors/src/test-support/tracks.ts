import { offsetLatLon } from '@fieldtrace/protocol';
import type { FixInput } from '../geofence/geofence-core.js';

/** Test helpers: deterministic randomness and synthetic tracks. Not part of the service. */

/** 2026-01-26T16:00:00Z, an arbitrary valid event time. */
export const T0 = 1_769_443_200_000;
export const LIVERPOOL: readonly [number, number] = [53.4084, -2.9916];

export { seededRandom } from '@fieldtrace/testkit';

export function fixAt(lat: number, lon: number, ts: number, extra: Partial<FixInput> = {}): FixInput {
  return { tenantId: 't1', deviceId: 'd1', ts, lat, lon, ...extra };
}

/** `count` fixes every `intervalS` along a bearing at a constant speed, the first at `start`. */
export function straightTrack(
  start: readonly [number, number],
  bearingDeg: number,
  speedMs: number,
  intervalS: number,
  count: number,
  t0 = T0,
  extra: Partial<FixInput> = {},
): FixInput[] {
  const out: FixInput[] = [];
  for (let k = 0; k < count; k++) {
    const [lat, lon] = offsetLatLon(start[0], start[1], bearingDeg, speedMs * intervalS * k);
    out.push(fixAt(lat, lon, t0 + k * intervalS * 1000, extra));
  }
  return out;
}

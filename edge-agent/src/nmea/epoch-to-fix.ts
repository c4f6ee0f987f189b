import type { Reading } from '../sources/source.js';
import type { Epoch } from './epoch.js';

type FixBody = Extract<Reading, { kind: 'fix' }>['body'];

/** The protocol's EventTime range (2000-01-01 .. 2100-01-01): older dates are GPS week-rollover garbage. */
const MIN_EVENT_TIME = 946_684_800_000;
const MAX_EVENT_TIME = 4_102_444_800_000;

export type FixSkipReason = 'no-fix' | 'no-date' | 'implausible-time';

function within(value: number | undefined, min: number, max: number): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}

/**
 * An epoch as a GpsFix body, or why it can't be one. Optional fields outside the wire schema's ranges are
 * dropped rather than failing the whole fix (a receiver's HDOP of 99.9 means "unknown", not a bad position).
 */
export function epochToFix(epoch: Epoch): { ok: true; body: FixBody } | { ok: false; reason: FixSkipReason } {
  if (epoch.mode === 'none' || epoch.lat === undefined || epoch.lon === undefined) return { ok: false, reason: 'no-fix' };
  if (epoch.time === undefined) return { ok: false, reason: 'no-date' };
  if (epoch.time < MIN_EVENT_TIME || epoch.time > MAX_EVENT_TIME) return { ok: false, reason: 'implausible-time' };
  const body: FixBody = { ts: Math.round(epoch.time), lat: epoch.lat, lon: epoch.lon, fix: epoch.quality };
  const alt = within(epoch.altMsl, -1000, 20000);
  if (alt !== undefined) body.alt = alt;
  const accuracy = within(epoch.accuracyM, 0, 100000);
  if (accuracy !== undefined) body.accuracy = accuracy;
  const speed = within(epoch.speedMps, 0, 150);
  if (speed !== undefined) body.speed = speed;
  const heading = within(epoch.trackDeg, 0, 360);
  if (heading !== undefined) body.heading = heading;
  const sats = within(epoch.satellites, 0, 255);
  if (sats !== undefined && Number.isInteger(sats)) body.sats = sats;
  const hdop = within(epoch.hdop, 0, 100);
  if (hdop !== undefined) body.hdop = hdop;
  return { ok: true, body };
}

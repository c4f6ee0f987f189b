import type { FixQuality, GpsFix } from '@fieldtrace/protocol';
import type { GpsdSky, GpsdTpv } from './gpsd-messages.js';

export type FixBody = Omit<GpsFix, 'v' | 'seq'>;

/** What the latest SKY report said about the solution, kept to decorate the next fixes. */
export interface SkySummary {
  satsUsed?: number;
  hdop?: number;
}

export type TpvRejectReason = 'no-fix' | 'no-time' | 'bad-time' | 'bad-position';
export type TpvResult = { ok: true; fix: FixBody } | { ok: false; reason: TpvRejectReason };

// Bounds of the protocol's GpsFix schema: a value outside them is dropped rather than failing the whole fix.
const MIN_TS = 946684800000;
const MAX_TS = 4102444800000;
const MAX_ALT_M = 20000;
const MIN_ALT_M = -1000;
const MAX_SPEED_MPS = 150;
const MAX_ACCURACY_M = 100000;
const MAX_HDOP = 100;

export function summariseSky(sky: GpsdSky): SkySummary {
  const out: SkySummary = {};
  const used = sky.uSat ?? sky.satellites?.reduce((n, s) => (s.used ? n + 1 : n), 0);
  if (used !== undefined && Number.isInteger(used) && used >= 0 && used <= 255) out.satsUsed = used;
  if (sky.hdop !== undefined && sky.hdop >= 0 && sky.hdop <= MAX_HDOP) out.hdop = sky.hdop;
  return out;
}

/** gpsd `mode` says how many dimensions; `status` refines it with the correction source (DGPS, RTK, DR). */
export function fixQuality(mode: number, status: number | undefined): FixQuality {
  if (mode < 2) return 'none';
  switch (status) {
    case 2:
      return 'dgps';
    case 3:
      return 'rtk-fixed';
    case 4:
      return 'rtk-float';
    case 5:
      return 'dead-reckoning';
    default:
      return mode === 2 ? '2d' : '3d';
  }
}

/** Horizontal error in metres: `eph` when gpsd computed it, otherwise the root sum square of `epx` and `epy`. */
function horizontalErrorM(tpv: GpsdTpv): number | undefined {
  if (tpv.eph !== undefined) return tpv.eph;
  if (tpv.epx !== undefined && tpv.epy !== undefined) return Math.hypot(tpv.epx, tpv.epy);
  return tpv.epx ?? tpv.epy;
}

/**
 * Maps one TPV report to a fix. A TPV without a 2D/3D fix, without a time or with an impossible position is
 * rejected with a reason; optional fields outside the wire schema's bounds are left out.
 */
export function tpvToFix(tpv: GpsdTpv, sky: SkySummary | undefined): TpvResult {
  if (tpv.mode < 2) return { ok: false, reason: 'no-fix' };
  if (tpv.time === undefined) return { ok: false, reason: 'no-time' };
  const ts = Date.parse(tpv.time);
  if (!Number.isFinite(ts) || ts < MIN_TS || ts > MAX_TS) return { ok: false, reason: 'bad-time' };
  const { lat, lon } = tpv;
  if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    return { ok: false, reason: 'bad-position' };
  }
  const fix: FixBody = { ts: Math.round(ts), lat, lon, fix: fixQuality(tpv.mode, tpv.status) };
  const alt = tpv.altMSL ?? tpv.alt;
  // A 2D fix carries no trustworthy altitude even when gpsd repeats the last one.
  if (tpv.mode >= 3 && alt !== undefined && alt >= MIN_ALT_M && alt <= MAX_ALT_M) fix.alt = alt;
  const accuracy = horizontalErrorM(tpv);
  if (accuracy !== undefined && accuracy >= 0 && accuracy <= MAX_ACCURACY_M) fix.accuracy = accuracy;
  if (tpv.speed !== undefined && tpv.speed >= 0 && tpv.speed <= MAX_SPEED_MPS) fix.speed = tpv.speed;
  if (tpv.track !== undefined && tpv.track >= 0 && tpv.track <= 360) fix.heading = tpv.track === 360 ? 0 : tpv.track;
  if (sky?.satsUsed !== undefined) fix.sats = sky.satsUsed;
  if (sky?.hdop !== undefined) fix.hdop = sky.hdop;
  return { ok: true, fix };
}

/**
 * The parts of the gpsd JSON protocol (gpsd_json(5), protocol 3.x) this agent reads. Every field is optional on the
 * wire: gpsd omits what the receiver did not report, so each is checked before use.
 */
export interface GpsdTpv {
  device?: string;
  /** 0 unknown, 1 no fix, 2 two-dimensional, 3 three-dimensional. */
  mode: number;
  /** 2 DGPS, 3 RTK fixed, 4 RTK float, 5 dead reckoning, 6 GNSS + dead reckoning, 7 time only, 8 simulated. */
  status?: number;
  /** ISO 8601 UTC with milliseconds. */
  time?: string;
  lat?: number;
  lon?: number;
  /** Metres above mean sea level; `alt` is the pre-3.20 name for the same value. */
  altMSL?: number;
  alt?: number;
  /** Ground speed, metres per second. */
  speed?: number;
  /** Course over ground, degrees from true north. */
  track?: number;
  /** Horizontal, longitude and latitude error estimates, metres (gpsd documents the confidence as uncertain). */
  eph?: number;
  epx?: number;
  epy?: number;
}

export interface GpsdSky {
  device?: string;
  /** Satellites used in the solution (gpsd ≥ 3.20); older versions only flag `used` per satellite. */
  uSat?: number;
  hdop?: number;
  satellites?: Array<{ used?: boolean }>;
}

export type GpsdMessage =
  | { class: 'TPV'; tpv: GpsdTpv }
  | { class: 'SKY'; sky: GpsdSky }
  | { class: 'VERSION'; release: string; protoMajor: number }
  | { class: 'ERROR'; message: string }
  | { class: 'OTHER'; name: string };

export type ParseResult = { ok: true; message: GpsdMessage } | { ok: false; reason: 'bad-json' | 'not-a-report' };

const OPEN_BRACE = 0x7b;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Parses one gpsd report line. Never throws. */
export function parseGpsdLine(line: string): ParseResult {
  if (line.charCodeAt(0) !== OPEN_BRACE) return { ok: false, reason: 'not-a-report' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'bad-json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not-a-report' };
  const o = value as Record<string, unknown>;
  const cls = o['class'];
  if (typeof cls !== 'string') return { ok: false, reason: 'not-a-report' };
  switch (cls) {
    case 'TPV':
      return { ok: true, message: { class: 'TPV', tpv: readTpv(o) } };
    case 'SKY':
      return { ok: true, message: { class: 'SKY', sky: readSky(o) } };
    case 'VERSION':
      return { ok: true, message: { class: 'VERSION', release: str(o['release']) ?? '?', protoMajor: num(o['proto_major']) ?? 0 } };
    case 'ERROR':
      return { ok: true, message: { class: 'ERROR', message: str(o['message']) ?? '' } };
    default:
      return { ok: true, message: { class: 'OTHER', name: cls } };
  }
}

function readTpv(o: Record<string, unknown>): GpsdTpv {
  const tpv: GpsdTpv = { mode: num(o['mode']) ?? 0 };
  const device = str(o['device']);
  if (device !== undefined) tpv.device = device;
  const time = str(o['time']);
  if (time !== undefined) tpv.time = time;
  for (const key of ['status', 'lat', 'lon', 'altMSL', 'alt', 'speed', 'track', 'eph', 'epx', 'epy'] as const) {
    const v = num(o[key]);
    if (v !== undefined) tpv[key] = v;
  }
  return tpv;
}

function readSky(o: Record<string, unknown>): GpsdSky {
  const sky: GpsdSky = {};
  const device = str(o['device']);
  if (device !== undefined) sky.device = device;
  const uSat = num(o['uSat']);
  if (uSat !== undefined) sky.uSat = uSat;
  const hdop = num(o['hdop']);
  if (hdop !== undefined) sky.hdop = hdop;
  const sats = o['satellites'];
  if (Array.isArray(sats)) {
    sky.satellites = sats.map((s) => ({ used: typeof s === 'object' && s !== null && (s as { used?: unknown }).used === true }));
  }
  return sky;
}

import exifr from 'exifr';
import type { Reading } from '../sources/source.js';
import { normaliseHeading, round } from '../mavlink/units.js';

export type ImageBody = Extract<Reading, { kind: 'image' }>['body'];
/** Everything an image reading says except its identity and where its bytes are. */
export type ImagePose = Partial<Omit<ImageBody, 'imageId' | 'uri'>>;
/** Looks up the pose the autopilot reported closest to `ts` (Unix ms), e.g. from MAVLink `image` readings. */
export type PoseLookup = (ts: number) => ImagePose | undefined;

/**
 * Only the segments that carry a pose: TIFF/EXIF (GPS IFD, image size), XMP (DJI `drone-dji:*`) and the PNG IHDR
 * (size). `reviveValues: false` keeps DateTimeOriginal a string: revived, exifr would read it in this machine's zone.
 */
const EXIFR_OPTIONS = {
  tiff: true, exif: true, gps: true, xmp: true, ihdr: true,
  icc: false, iptc: false, jfif: false, interop: false, ifd1: false,
  mergeOutput: true, reviveValues: false,
};

type Tags = Record<string, unknown>;

/** The pose embedded in the file, or `{}` when it has none or is not parseable (never throws). */
export async function readEmbeddedPose(path: string): Promise<ImagePose> {
  let tags: unknown;
  try {
    tags = await exifr.parse(path, EXIFR_OPTIONS);
  } catch {
    return {};
  }
  return typeof tags === 'object' && tags !== null ? poseFromTags(tags as Tags) : {};
}

/** Maps exifr's merged output to a pose; every field is range-checked and dropped when absent or garbage. */
export function poseFromTags(tags: Tags): ImagePose {
  const lat = num(tags.latitude) ?? num(tags.GpsLatitude);
  // Some DJI firmware spells it "GpsLongtitude".
  const lon = num(tags.longitude) ?? num(tags.GpsLongitude) ?? num(tags.GpsLongtitude);
  const located = lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
  const yaw = degrees(tags.FlightYawDegree);
  return compact({
    ts: captureTime(tags),
    lat: located ? round(lat, 7) : undefined,
    lon: located ? round(lon, 7) : undefined,
    altRel: finite(tags.RelativeAltitude),
    roll: degrees(tags.FlightRollDegree),
    pitch: degrees(tags.FlightPitchDegree),
    yaw: yaw === undefined ? undefined : normaliseHeading(yaw),
    gimbalPitch: degrees(tags.GimbalPitchDegree),
    gimbalYaw: degrees(tags.GimbalYawDegree),
    width: pixels(tags.ExifImageWidth) ?? pixels(tags.ImageWidth),
    height: pixels(tags.ExifImageHeight) ?? pixels(tags.ImageHeight),
  });
}

/**
 * Capture time, Unix ms: the GPS date and time stamps are UTC (EXIF 2.3 §4.6.6); DateTimeOriginal is local time
 * and only usable with its OffsetTimeOriginal (EXIF 2.31). Anything else is unknown: the caller falls back.
 */
export function captureTime(tags: Tags): number | undefined {
  const date = typeof tags.GPSDateStamp === 'string' ? /^(\d{4}):(\d{2}):(\d{2})/.exec(tags.GPSDateStamp) : null;
  const time = hms(tags.GPSTimeStamp);
  if (date && time) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])) + Math.round(time * 1000);
    if (Number.isFinite(ms)) return ms;
  }
  const local = typeof tags.DateTimeOriginal === 'string' ? tags.DateTimeOriginal : undefined;
  const offset = typeof tags.OffsetTimeOriginal === 'string' ? tags.OffsetTimeOriginal.trim() : undefined;
  const m = local ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(local) : null;
  if (m && offset && /^[+-]\d{2}:\d{2}$/.test(offset)) {
    const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

/** The embedded pose wins field by field; the autopilot's fills what the file lacks. */
export function mergePose(embedded: ImagePose, fallback: ImagePose | undefined): ImagePose {
  return compact({ ...(fallback ?? {}), ...compact({ ...embedded }) });
}

function hms(value: unknown): number | undefined {
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(':') : null;
  if (!parts || parts.length !== 3) return undefined;
  const [h, m, s] = parts.map(Number) as [number, number, number];
  return [h, m, s].every(Number.isFinite) ? h * 3600 + m * 60 + s : undefined;
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
function finite(value: unknown): number | undefined {
  const n = num(value);
  return n === undefined ? undefined : round(n, 3);
}
function degrees(value: unknown): number | undefined {
  const n = num(value);
  return n === undefined || Math.abs(n) > 360 ? undefined : round(n, 2);
}
function pixels(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}
function compact<T extends object>(body: T): T {
  for (const key of Object.keys(body) as (keyof T)[]) if (body[key] === undefined) delete body[key];
  return body;
}

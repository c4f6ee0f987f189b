/** Unit conversions for MAVLink's integer encodings (common.xml field units). */

export const E7 = 1e7;
/** Sentinel for "unknown" in uint16 fields (eph, epv, vel, cog, hdg). */
export const UINT16_UNKNOWN = 65535;

export const RAD_TO_DEG = 180 / Math.PI;

/** Radians → degrees, rounded to 0.01°, for roll/pitch (−180..180). */
export function radToDeg(rad: number): number {
  return round(rad * RAD_TO_DEG, 2);
}

/** Any angle in degrees → 0 ≤ deg < 360. */
export function normaliseHeading(deg: number): number {
  const wrapped = deg % 360;
  const positive = wrapped < 0 ? wrapped + 360 : wrapped;
  return positive >= 359.995 ? 0 : round(positive, 2);
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** A lat/lon in 1e7 degrees is a real position: in range and not the (0, 0) autopilots send before a fix. */
export function validLatLonE7(latE7: number, lonE7: number): boolean {
  if (latE7 === 0 && lonE7 === 0) return false;
  return Math.abs(latE7) <= 90 * E7 && Math.abs(lonE7) <= 180 * E7;
}

/** Euler angles (degrees) from a MAVLink quaternion [w, x, y, z] (aerospace ZYX order). */
export function quaternionToEulerDeg(q: readonly number[]): { roll: number; pitch: number; yaw: number } | undefined {
  const [w, x, y, z] = q;
  if (w === undefined || x === undefined || y === undefined || z === undefined) return undefined;
  if (!Number.isFinite(w + x + y + z) || w * w + x * x + y * y + z * z < 1e-6) return undefined;
  const roll = Math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y));
  const pitch = Math.asin(Math.max(-1, Math.min(1, 2 * (w * y - z * x))));
  const yaw = Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
  return { roll: radToDeg(roll), pitch: radToDeg(pitch), yaw: normaliseHeading(yaw * RAD_TO_DEG) };
}

/**
 * The synthetic renderer's own camera geometry, written apart from src/camera so that a rendered image is an
 * independent check of the georeferencing code: if both place a pixel on the same spot of the roof, both are right
 * (or wrong in the same way, which the plain-physics tests in camera/ rule out).
 *
 * Local frame: East-North-Up metres from the scene origin, scaled by the WGS84 radii of curvature at the origin's
 * latitude (meridional M for north, prime vertical N·cos φ for east) — the same convention as the pipeline, so the
 * oracle and the code under test disagree only if one of them has a bug.
 *
 * Camera: OpenCV (x right, y down, z along the optical axis). Attitude: aerospace Z-Y-X (yaw clockwise from north,
 * pitch nose up, roll right wing down) taking body axes (forward, right, down) to North-East-Down. Gimbal pitch −90
 * looks straight down with the top of the image towards the heading. A stabilised gimbal (the default) holds pitch and
 * roll in the earth frame, so only the heading (plus the gimbal's yaw) turns the camera.
 */
import type { CapturePose } from '../types.js';

export type Vec3 = [number, number, number];

const RAD = Math.PI / 180;
const WGS84_A = 6_378_137;
const WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563);

export interface EnuScale {
  lat0: number;
  lon0: number;
  mPerDegLat: number;
  mPerDegLon: number;
}

export function enuScale(lat0: number, lon0: number): EnuScale {
  const s = Math.sin(lat0 * RAD);
  const w = 1 - WGS84_E2 * s * s;
  return {
    lat0,
    lon0,
    mPerDegLat: ((WGS84_A * (1 - WGS84_E2)) / (w * Math.sqrt(w))) * RAD,
    mPerDegLon: (WGS84_A / Math.sqrt(w)) * Math.cos(lat0 * RAD) * RAD,
  };
}

export function toEastNorth(f: EnuScale, lat: number, lon: number): [number, number] {
  return [(lon - f.lon0) * f.mPerDegLon, (lat - f.lat0) * f.mPerDegLat];
}

export function toLatLon(f: EnuScale, east: number, north: number): [number, number] {
  return [f.lat0 + north / f.mPerDegLat, f.lon0 + east / f.mPerDegLon];
}

/** Columns of Rz(yaw)·Ry(pitch)·Rx(roll): the (forward, right, down) axes of a Z-Y-X attitude, in NED. */
function axesNed(yawDeg: number, pitchDeg: number, rollDeg: number): [Vec3, Vec3, Vec3] {
  const cy = Math.cos(yawDeg * RAD);
  const sy = Math.sin(yawDeg * RAD);
  const cp = Math.cos(pitchDeg * RAD);
  const sp = Math.sin(pitchDeg * RAD);
  const cr = Math.cos(rollDeg * RAD);
  const sr = Math.sin(rollDeg * RAD);
  return [
    [cy * cp, sy * cp, -sp],
    [cy * sp * sr - sy * cr, sy * sp * sr + cy * cr, cp * sr],
    [cy * sp * cr + sy * sr, sy * sp * cr - cy * sr, cp * cr],
  ];
}

/** Axes given in `frame` (forward, right, down, each in NED) re-expressed in NED: frame · local. */
function compose(frame: [Vec3, Vec3, Vec3], local: [Vec3, Vec3, Vec3]): [Vec3, Vec3, Vec3] {
  const [f0, f1, f2] = frame;
  const one = (v: Vec3): Vec3 => [
    f0[0] * v[0] + f1[0] * v[1] + f2[0] * v[2],
    f0[1] * v[0] + f1[1] * v[1] + f2[1] * v[2],
    f0[2] * v[0] + f1[2] * v[1] + f2[2] * v[2],
  ];
  return [one(local[0]), one(local[1]), one(local[2])];
}

const nedToEnu = (v: Vec3): Vec3 => [v[1], v[0], -v[2]];

/** The camera's image-right, image-down and optical axes as ENU unit vectors. */
export function cameraAxes(pose: CapturePose): { right: Vec3; down: Vec3; forward: Vec3 } {
  const yaw = pose.yaw ?? 0;
  const gPitch = pose.gimbalPitch ?? -90;
  const gRoll = pose.gimbalRoll ?? 0;
  const gYaw = pose.gimbalYaw ?? 0;
  let g: [Vec3, Vec3, Vec3];
  if (pose.gimbalStabilised === false) {
    const body = axesNed(yaw, pose.pitch ?? 0, pose.roll ?? 0);
    g = compose(body, axesNed(pose.gimbalYawIsAbsolute ? gYaw - yaw : gYaw, gPitch, gRoll));
  } else {
    g = axesNed(pose.gimbalYawIsAbsolute ? gYaw : yaw + gYaw, gPitch, gRoll);
  }
  // Gimbal (forward, right, down) are the camera's (z, x, y).
  return { forward: nedToEnu(g[0]), right: nedToEnu(g[1]), down: nedToEnu(g[2]) };
}

/**
 * Test-only: an independent camera for checking georef.ts. Nothing here shares code with attitude.ts, georef.ts or
 * local-frame.ts: positions go through exact WGS84 ECEF and a local ENU at the camera, and the camera's axes are
 * built geometrically (look-at from heading and pitch, or by turning an axis triad about its own axes with Rodrigues'
 * formula) rather than from Euler matrices. If both agree, both conventions are right or both wrong the same way —
 * which the plain-physics tests in georef.test.ts (a belly camera looks ahead when the nose rises and left when the
 * right wing drops) rule out.
 */

import type { CameraIntrinsics, CapturePose } from '../types.js';

export type Vec3 = [number, number, number];

const A = 6_378_137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const RAD = Math.PI / 180;

/** Geodetic (degrees, ellipsoidal height m) → ECEF (m). */
export function toEcef(lat: number, lon: number, h: number): Vec3 {
  const p = lat * RAD;
  const l = lon * RAD;
  const n = A / Math.sqrt(1 - E2 * Math.sin(p) ** 2);
  return [(n + h) * Math.cos(p) * Math.cos(l), (n + h) * Math.cos(p) * Math.sin(l), (n * (1 - E2) + h) * Math.sin(p)];
}

/** ECEF → geodetic by fixed-point iteration on latitude (converges to < 1e-12° in a handful of steps near the surface). */
export function fromEcef(x: number, y: number, z: number): { lat: number; lon: number; h: number } {
  const lon = Math.atan2(y, x);
  const p = Math.hypot(x, y);
  let lat = Math.atan2(z, p * (1 - E2));
  let h = 0;
  for (let i = 0; i < 10; i++) {
    const n = A / Math.sqrt(1 - E2 * Math.sin(lat) ** 2);
    h = p / Math.cos(lat) - n;
    lat = Math.atan2(z, p * (1 - (E2 * n) / (n + h)));
  }
  return { lat: lat / RAD, lon: lon / RAD, h };
}

/** The ENU axes (as ECEF unit vectors) at a geodetic point. */
function enuAxes(lat: number, lon: number): { e: Vec3; n: Vec3; u: Vec3 } {
  const p = lat * RAD;
  const l = lon * RAD;
  return {
    e: [-Math.sin(l), Math.cos(l), 0],
    n: [-Math.sin(p) * Math.cos(l), -Math.sin(p) * Math.sin(l), Math.cos(p)],
    u: [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)],
  };
}

/** A local ENU frame at a geodetic origin, exact (no flat-earth). */
export function enuAt(lat0: number, lon0: number, h0: number) {
  const o = toEcef(lat0, lon0, h0);
  const ax = enuAxes(lat0, lon0);
  return {
    toEnu(lat: number, lon: number, h: number): Vec3 {
      const d = sub(toEcef(lat, lon, h), o);
      return [dot(ax.e, d), dot(ax.n, d), dot(ax.u, d)];
    },
    fromEnu(e: number, n: number, u: number): { lat: number; lon: number; h: number } {
      const p = add(o, add(scale(ax.e, e), add(scale(ax.n, n), scale(ax.u, u))));
      return fromEcef(p[0], p[1], p[2]);
    },
  };
}

/** Camera axes in ENU: x right, y down (in the image), z along the optical axis. */
export interface CameraAxes {
  x: Vec3;
  y: Vec3;
  z: Vec3;
}

/**
 * A gimbal that points the lens at `headingDeg` (clockwise from north) and `pitchDeg` (0 horizon, −90 down), held
 * level: look-at construction. The image's right is the horizontal direction 90° clockwise of the heading (so it
 * stays defined straight down), down = forward × right.
 */
export function lookAtAxes(headingDeg: number, pitchDeg: number): CameraAxes {
  const h = headingDeg * RAD;
  const p = pitchDeg * RAD;
  const z: Vec3 = [Math.sin(h) * Math.cos(p), Math.cos(h) * Math.cos(p), Math.sin(p)];
  const x: Vec3 = [Math.cos(h), -Math.sin(h), 0];
  return { x, y: cross(z, x), z };
}

/**
 * A camera bolted to the airframe: start level facing north (forward N, right E, down −U) and turn the triad about
 * its own current axes — heading about down, then pitch about right (positive raises the nose), then roll about
 * forward (positive lowers the right side) — then the mount's yaw about down and its pitch about right.
 */
export function bodyMountAxes(yawDeg: number, pitchDeg: number, rollDeg: number, mountYawDeg: number, mountPitchDeg: number): CameraAxes {
  let f: Vec3 = [0, 1, 0];
  let r: Vec3 = [1, 0, 0];
  let d: Vec3 = [0, 0, -1];
  const turn = (axis: Vec3, deg: number): void => {
    f = rodrigues(f, axis, deg);
    r = rodrigues(r, axis, deg);
    d = rodrigues(d, axis, deg);
  };
  turn(d, yawDeg);
  turn(r, pitchDeg);
  turn(f, rollDeg);
  turn(d, mountYawDeg);
  turn(r, mountPitchDeg);
  return { x: r, y: d, z: f };
}

/** Pinhole + Brown–Conrady projection of an ENU direction/offset from the camera. Null behind the camera. */
export function project(cam: CameraIntrinsics, axes: CameraAxes, v: Vec3): { u: number; v: number } | null {
  const zc = dot(axes.z, v);
  if (zc <= 0) return null;
  let x = dot(axes.x, v) / zc;
  let y = dot(axes.y, v) / zc;
  const k = cam.distortion;
  if (k) {
    const r2 = x * x + y * y;
    const radial = 1 + k.k1 * r2 + k.k2 * r2 * r2 + k.k3 * r2 * r2 * r2;
    const xd = x * radial + 2 * k.p1 * x * y + k.p2 * (r2 + 2 * x * x);
    const yd = y * radial + k.p1 * (r2 + 2 * y * y) + 2 * k.p2 * x * y;
    x = xd;
    y = yd;
  }
  return { u: cam.fx * x + cam.cx, v: cam.fy * y + cam.cy };
}

/** The ENU direction of the ray through an UNDISTORTED-model pixel (the test only places points with zero distortion or through `project`). */
export function ray(cam: CameraIntrinsics, axes: CameraAxes, u: number, v: number): Vec3 {
  const x = (u - cam.cx) / cam.fx;
  const y = (v - cam.cy) / cam.fy;
  return add(axes.z, add(scale(axes.x, x), scale(axes.y, y)));
}

/** The axes a pose describes, via this file's constructions. */
export function axesForPose(pose: CapturePose): CameraAxes {
  const yaw = pose.yaw ?? 0;
  const gp = pose.gimbalPitch ?? -90;
  const gy = pose.gimbalYaw ?? 0;
  if (pose.gimbalStabilised === false) {
    return bodyMountAxes(yaw, pose.pitch ?? 0, pose.roll ?? 0, pose.gimbalYawIsAbsolute ? gy - yaw : gy, gp);
  }
  if ((pose.gimbalRoll ?? 0) !== 0) throw new Error('oracle: stabilised gimbal roll not modelled');
  return lookAtAxes(pose.gimbalYawIsAbsolute ? gy : yaw + gy, gp);
}

function rodrigues(v: Vec3, axis: Vec3, deg: number): Vec3 {
  const k = scale(axis, 1 / Math.hypot(...axis));
  const c = Math.cos(deg * RAD);
  const s = Math.sin(deg * RAD);
  return add(scale(v, c), add(scale(cross(k, v), s), scale(k, dot(k, v) * (1 - c))));
}

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

import type { CameraIntrinsics } from '../types.js';

/**
 * Pixel coordinates here are continuous: pixel (i, j) covers [i, i+1) × [j, j+1) and its centre is (i + 0.5, j + 0.5),
 * so the principal point of an ideal W×H sensor is (W/2, H/2) — what the camera profile states (cx 2736 for 5472 px)
 * and what a PixelBox's edges mean. With this convention resizing an image scales every coordinate by the same
 * factor, with no half-pixel shift (OpenCV's integer-centre convention would need `(c + 0.5)·s − 0.5`).
 */

type Distortion = NonNullable<CameraIntrinsics['distortion']>;

/** The `camera` block of a firmware config (firmware-configs/*.json), as far as geometry needs it. */
export interface CameraProfile {
  image: { widthPx: number; heightPx: number };
  intrinsics: {
    fx: number;
    fy: number;
    cx: number;
    cy: number;
    distortion?: Partial<Distortion>;
  };
}

/** Intrinsics for the full-size image a profile describes. Zero distortion is dropped: absent means rectified. */
export function intrinsicsFromProfile(camera: CameraProfile): CameraIntrinsics {
  const { image, intrinsics: k } = camera;
  for (const [name, value] of [['widthPx', image.widthPx], ['heightPx', image.heightPx], ['fx', k.fx], ['fy', k.fy]] as const) {
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`camera profile: ${name} must be a positive number, got ${value}`);
  }
  const cam: CameraIntrinsics = { width: image.widthPx, height: image.heightPx, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy };
  const d = k.distortion;
  if (d) {
    const full: Distortion = { k1: d.k1 ?? 0, k2: d.k2 ?? 0, k3: d.k3 ?? 0, p1: d.p1 ?? 0, p2: d.p2 ?? 0 };
    if (!isZero(full)) cam.distortion = full;
  }
  return cam;
}

/**
 * The same camera for an image delivered at another size (a resized JPEG, a preview). Focal lengths and principal
 * point scale with the image; Brown–Conrady coefficients act on normalised coordinates and do not change.
 */
export function scaleIntrinsics(cam: CameraIntrinsics, width: number, height: number): CameraIntrinsics {
  if (!(width > 0 && height > 0)) throw new RangeError(`scaleIntrinsics: size must be positive, got ${width}×${height}`);
  if (width === cam.width && height === cam.height) return cam;
  const sx = width / cam.width;
  const sy = height / cam.height;
  const out: CameraIntrinsics = { width, height, fx: cam.fx * sx, fy: cam.fy * sy, cx: cam.cx * sx, cy: cam.cy * sy };
  if (cam.distortion) out.distortion = { ...cam.distortion };
  return out;
}

export function hasDistortion(cam: CameraIntrinsics): boolean {
  return cam.distortion !== undefined && !isZero(cam.distortion);
}

/** Where an ideal pinhole pixel lands in the real (distorted) image: the forward Brown–Conrady model (OpenCV). */
export function distortPixel(cam: CameraIntrinsics, u: number, v: number): { u: number; v: number } {
  const d = cam.distortion;
  if (!d || isZero(d)) return { u, v };
  const x = (u - cam.cx) / cam.fx;
  const y = (v - cam.cy) / cam.fy;
  const [xd, yd] = distortNormalised(d, x, y);
  return { u: xd * cam.fx + cam.cx, v: yd * cam.fy + cam.cy };
}

const MAX_NEWTON = 20;
/** Stop once the re-distorted point is this close to the observed one, in normalised units (≈ 1e-8 px at f 3648). */
const NEWTON_TOL = 1e-12;

/**
 * The ideal pinhole pixel that a real (distorted) pixel came from: the inverse of `distortPixel`. Brown–Conrady has no
 * closed-form inverse; Newton's method on the 2×2 model, started at the distorted point, converges in 2–4 steps for
 * any real lens (OpenCV's fixed-point `undistortPoints` needs 5–20 and can stall at the corners of wide lenses).
 * Identity when there is no distortion.
 */
export function undistortPixel(cam: CameraIntrinsics, u: number, v: number): { u: number; v: number } {
  const d = cam.distortion;
  if (!d || isZero(d)) return { u, v };
  const xd = (u - cam.cx) / cam.fx;
  const yd = (v - cam.cy) / cam.fy;
  let x = xd;
  let y = yd;
  for (let i = 0; i < MAX_NEWTON; i++) {
    const r2 = x * x + y * y;
    const radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * d.k3));
    const dRadial = d.k1 + r2 * (2 * d.k2 + 3 * d.k3 * r2); // ∂radial/∂(r²)
    const ex = x * radial + 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x) - xd;
    const ey = y * radial + d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y - yd;
    if (ex * ex + ey * ey < NEWTON_TOL * NEWTON_TOL) break;
    const a = radial + 2 * x * x * dRadial + 2 * d.p1 * y + 6 * d.p2 * x; // ∂xd/∂x
    const b = 2 * x * y * dRadial + 2 * d.p1 * x + 2 * d.p2 * y; //          ∂xd/∂y = ∂yd/∂x
    const c = radial + 2 * y * y * dRadial + 6 * d.p1 * y + 2 * d.p2 * x; // ∂yd/∂y
    const det = a * c - b * b;
    if (det === 0 || !Number.isFinite(det)) break;
    x -= (c * ex - b * ey) / det;
    y -= (a * ey - b * ex) / det;
  }
  return { u: x * cam.fx + cam.cx, v: y * cam.fy + cam.cy };
}

function distortNormalised(d: Distortion, x: number, y: number): [number, number] {
  const r2 = x * x + y * y;
  const radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * d.k3));
  return [
    x * radial + 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x),
    y * radial + d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y,
  ];
}

function isZero(d: Distortion): boolean {
  return d.k1 === 0 && d.k2 === 0 && d.k3 === 0 && d.p1 === 0 && d.p2 === 0;
}

import type { CameraIntrinsics, CapturePose, Detection, GroundDetection } from '../types.js';
import { apply, applyTransposed, cameraToEnu, type Mat3 } from './attitude.js';
import { distortPixel, undistortPixel } from './intrinsics.js';
import { localFrame, type LocalFrame } from './local-frame.js';

/**
 * Pixels ↔ ground for one picture. The ground is a horizontal plane `planeHeightM` above the home point (the roof's
 * eaves height for the roof, 0 for the yard); the camera sits `pose.altRel` above home, straight above its lat/lon.
 * Geometry is done in a local East-North-Up frame centred under the camera (see camera/local-frame.ts for the
 * WGS84 metres-per-degree conversion and attitude.ts for the rotation convention). Pixel coordinates are continuous
 * (pixel i spans [i, i+1)), as in intrinsics.ts.
 */

export interface GroundPoint {
  lat: number;
  lon: number;
  /** Metres east and north of the point under the camera. */
  east: number;
  north: number;
}

/** A camera placed in the world: everything about one picture that does not depend on the pixel. */
export interface PlacedCamera {
  readonly cam: CameraIntrinsics;
  readonly pose: CapturePose;
  readonly frame: LocalFrame;
  /** Camera → ENU rotation. */
  readonly rotation: Mat3;
  /** Where the ray through (u, v) meets the plane `planeHeightM` above home; null when it never does (at or above the horizon, or the camera is on the plane). */
  toGround(u: number, v: number, planeHeightM: number): GroundPoint | null;
  /** The pixel that sees (lat, lon) at `heightM` above home; null when the point is behind the camera. May fall outside the image. */
  toPixel(lat: number, lon: number, heightM: number): { u: number; v: number } | null;
  /** Ground sample distance at (u, v) on the plane, m/px; Infinity when the ray misses it. */
  gsd(u: number, v: number, planeHeightM: number): number;
}

/** Precompute the rotation and local frame once per picture; use for many pixels. */
export function placeCamera(cam: CameraIntrinsics, pose: CapturePose): PlacedCamera {
  const rotation = cameraToEnu(pose);
  const frame = localFrame(pose.lat, pose.lon);

  function rayToPlane(u: number, v: number, planeHeightM: number): [number, number] | null {
    const p = undistortPixel(cam, u, v);
    const [dx, dy, dz] = apply(rotation, (p.u - cam.cx) / cam.fx, (p.v - cam.cy) / cam.fy, 1);
    // Camera at height altRel, plane at planeHeightM: altRel + t·dz = planeHeightM, and t must be > 0 (in front).
    const t = (planeHeightM - pose.altRel) / dz;
    if (!(t > 0) || !Number.isFinite(t)) return null;
    return [t * dx, t * dy];
  }

  return {
    cam,
    pose,
    frame,
    rotation,
    toGround(u, v, planeHeightM) {
      const hit = rayToPlane(u, v, planeHeightM);
      if (!hit) return null;
      const [lat, lon] = frame.toLatLon(hit[0], hit[1]);
      return { lat, lon, east: hit[0], north: hit[1] };
    },
    toPixel(lat, lon, heightM) {
      const [e, n] = frame.toEastNorth(lat, lon);
      const [x, y, z] = applyTransposed(rotation, e, n, heightM - pose.altRel);
      if (!(z > 0)) return null;
      return distortPixel(cam, cam.fx * (x / z) + cam.cx, cam.fy * (y / z) + cam.cy);
    },
    gsd(u, v, planeHeightM) {
      // √|det J| of the pixel → ground map over one pixel (central differences): the side of the square with the
      // same ground area as the pixel's footprint. Covers range, obliquity of the plane and off-axis stretch alike;
      // the plane mapping is a smooth homography so a one-pixel stencil is exact to ~1e-7 relative.
      const l = rayToPlane(u - 0.5, v, planeHeightM);
      const r = rayToPlane(u + 0.5, v, planeHeightM);
      const t = rayToPlane(u, v - 0.5, planeHeightM);
      const b = rayToPlane(u, v + 0.5, planeHeightM);
      if (!l || !r || !t || !b) return Infinity;
      const det = (r[0] - l[0]) * (b[1] - t[1]) - (r[1] - l[1]) * (b[0] - t[0]);
      return Math.sqrt(Math.abs(det));
    },
  };
}

/** Where the ray through pixel (u, v) meets the plane `planeHeightM` above home; null when it misses (above the horizon). */
export function pixelToGround(
  cam: CameraIntrinsics,
  pose: CapturePose,
  u: number,
  v: number,
  planeHeightM: number,
): GroundPoint | null {
  return placeCamera(cam, pose).toGround(u, v, planeHeightM);
}

/** The pixel that sees (lat, lon) at `heightM` above home; null when behind the camera. */
export function groundToPixel(
  cam: CameraIntrinsics,
  pose: CapturePose,
  lat: number,
  lon: number,
  heightM: number,
): { u: number; v: number } | null {
  return placeCamera(cam, pose).toPixel(lat, lon, heightM);
}

/** Metres per pixel at (u, v) on the plane (√ of the ground area one pixel covers); Infinity when the ray misses. */
export function gsdAt(cam: CameraIntrinsics, pose: CapturePose, u: number, v: number, planeHeightM: number): number {
  return placeCamera(cam, pose).gsd(u, v, planeHeightM);
}

/**
 * A detection on the roof plane: its box centre, the four box corners as a footprint ring (counter-clockwise as
 * RFC 7946 wants for outer rings, closed), the footprint's area and the GSD at the centre.
 *
 * Null when any corner's ray misses the plane: a box reaching above the horizon has no finite footprint, and one
 * that grazes it would place its far edge kilometres away — neither is worth clustering, so such detections are
 * dropped rather than clipped (at survey attitudes, gimbal ≤ −30°, no box is anywhere near the horizon).
 */
export function georeference(
  det: Detection,
  imageId: string,
  cam: CameraIntrinsics,
  pose: CapturePose,
  planeHeightM: number,
): GroundDetection | null {
  return georeferenceOn(placeCamera(cam, pose), det, imageId, planeHeightM);
}

/** `georeference` with the camera placed once for all of a picture's detections. */
export function georeferenceOn(
  placed: PlacedCamera,
  det: Detection,
  imageId: string,
  planeHeightM: number,
): GroundDetection | null {
  const x1 = Math.min(det.box.x1, det.box.x2);
  const x2 = Math.max(det.box.x1, det.box.x2);
  const y1 = Math.min(det.box.y1, det.box.y2);
  const y2 = Math.max(det.box.y1, det.box.y2);
  const uc = (x1 + x2) / 2;
  const vc = (y1 + y2) / 2;
  const centre = placed.toGround(uc, vc, planeHeightM);
  if (!centre) return null;
  const corners: GroundPoint[] = [];
  for (const [u, v] of [[x1, y1], [x2, y1], [x2, y2], [x1, y2]] as const) {
    const g = placed.toGround(u, v, planeHeightM);
    if (!g) return null;
    corners.push(g);
  }
  const signed = shoelace(corners);
  if (signed < 0) corners.reverse();
  const footprint = corners.map((g): [number, number] => [g.lon, g.lat]);
  footprint.push([corners[0]!.lon, corners[0]!.lat]);
  return {
    box: { ...det.box },
    classId: det.classId,
    className: det.className,
    confidence: det.confidence,
    imageId,
    lat: centre.lat,
    lon: centre.lon,
    footprint,
    areaM2: Math.abs(signed),
    gsdM: placed.gsd(uc, vc, planeHeightM),
  };
}

/** Signed area in m² of a polygon given by its vertices (open ring) in east/north: positive when counter-clockwise. */
function shoelace(pts: ReadonlyArray<{ east: number; north: number }>): number {
  let s = 0;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    s += pts[j]!.east * pts[i]!.north - pts[i]!.east * pts[j]!.north;
  }
  return s / 2;
}

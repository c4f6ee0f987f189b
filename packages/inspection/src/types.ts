/**
 * The values that flow through the inspection pipeline: image → tiles → detections (pixels) → georeferenced
 * detections (ground) → findings. Plain data, so a ground station can send its per-image results over MQTT and the
 * cloud can cluster them exactly as if it had run the model itself.
 */

/** Pinhole camera in pixels for one image size (OpenCV convention: x right, y down, optical axis forward). */
export interface CameraIntrinsics {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Brown–Conrady coefficients; absent or all zero means an undistorted (or already rectified) image. */
  distortion?: { k1: number; k2: number; k3: number; p1: number; p2: number };
}

/**
 * Where the camera was and where it looked when the picture was taken. Angles in degrees.
 * Vehicle attitude is aerospace convention (yaw = heading clockwise from true north, pitch nose up, roll right wing
 * down). Gimbal angles: `gimbalPitch` −90 looks straight down, 0 at the horizon; `gimbalYaw` is relative to the
 * vehicle's heading unless `gimbalYawIsAbsolute` (DJI XMP writes an absolute GimbalYawDegree).
 * A stabilised gimbal (the usual survey mount) holds its pitch and roll in the earth frame, so the vehicle's roll and
 * pitch do not tilt the camera; `gimbalStabilised: false` models a hard mount where they do.
 */
export interface CapturePose {
  ts: number;
  lat: number;
  lon: number;
  /** Metres above the home (take-off) point, which is assumed to be at the site's ground level. */
  altRel: number;
  roll?: number;
  pitch?: number;
  yaw?: number;
  gimbalPitch?: number;
  gimbalYaw?: number;
  gimbalRoll?: number;
  gimbalYawIsAbsolute?: boolean;
  gimbalStabilised?: boolean;
}

/** Axis-aligned box in full-image pixel coordinates (x1,y1 top-left, x2,y2 bottom-right; x right, y down). */
export interface PixelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** One model output in full-image pixel coordinates, after tile merging and NMS. */
export interface Detection {
  box: PixelBox;
  classId: number;
  className: string;
  confidence: number;
}

/** A detection placed on the ground. */
export interface GroundDetection extends Detection {
  imageId: string;
  /** Centre of the box on the roof plane. */
  lat: number;
  lon: number;
  /** The box's four corners on the roof plane, [lon, lat] ring (closed: first = last). */
  footprint: Array<[number, number]>;
  areaM2: number;
  /** Ground sample distance at the box centre, metres per pixel: how sharp the view was. */
  gsdM: number;
}

export type Severity = 'low' | 'medium' | 'high';

/** A piece of damage, seen in one or more images and merged into one place on the roof. */
export interface Finding {
  id: string;
  className: string;
  severity: Severity;
  /** Combined confidence over the views (1 − Π(1 − cᵢ)), capped below 1. */
  confidence: number;
  lat: number;
  lon: number;
  /** Union footprint as a convex hull, [lon, lat] closed ring. */
  footprint: Array<[number, number]>;
  areaM2: number;
  /** True when the centre is outside the site's roof polygon: shown and counted apart, never dropped. */
  outsideRoof: boolean;
  views: Array<{ imageId: string; box: PixelBox; confidence: number }>;
}

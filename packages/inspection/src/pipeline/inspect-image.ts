import { georeference, gsdAt } from '../camera/georef.js';
import { decodeImage } from '../imaging/decode.js';
import type { RawImage } from '../imaging/raw-image.js';
import type { Detector } from '../model/detector.js';
import { annotatedCrop } from '../report/crops.js';
import type { CameraIntrinsics, CapturePose, GroundDetection } from '../types.js';
import type { CameraProfiles } from './camera-profiles.js';

export interface ImageToInspect {
  imageId: string;
  /** Decoded pixels, or encoded bytes / a file path (decoded and EXIF-oriented here). */
  source: RawImage | Buffer | string;
  pose: CapturePose;
  /** The device profile naming the camera (image metadata `cameraProfile`). */
  cameraProfile?: string | undefined;
}

export interface InspectImageOptions {
  /** Height of the roof plane above the take-off point, metres (the site's roof record, else a default). */
  planeHeightM: number;
  /** Attach a JPEG crop (base64) to each detection: what an edge station sends instead of the picture. */
  thumbnails?: { size: number; max: number } | undefined;
}

export interface InspectedImage {
  imageId: string;
  width: number;
  height: number;
  detections: Array<GroundDetection & { thumbnail?: string }>;
  /** Detections the pose could not place on the roof plane (a box reaching above the horizon). */
  unplaced: number;
  /** The decoded picture, for crops; dropped by callers that keep many images. */
  image: RawImage;
  stats: { decodeMs: number; preprocessMs: number; inferMs: number; tiles: number };
}

export const ImageCameraUnknown = (imageId: string, profile: string | undefined) =>
  new Error(`image '${imageId}': no camera intrinsics for profile '${profile ?? '(default)'}'`);

/**
 * One picture through the model and onto the roof: decode once, run the detector at the resolution the model was
 * trained for (the ground sample distance at the image centre tells how much to shrink it), and place every box on
 * the roof plane from the camera pose. The same function runs in the cloud worker and on a ground station.
 */
export async function inspectImage(
  detector: Detector,
  cameras: CameraProfiles,
  input: ImageToInspect,
  opts: InspectImageOptions,
): Promise<InspectedImage> {
  const t0 = performance.now();
  const image = isRawImage(input.source) ? input.source : await decodeImage(input.source);
  const decodeMs = performance.now() - t0;
  const cam: CameraIntrinsics | null = cameras.forImage(input.cameraProfile, image.width, image.height);
  if (!cam) throw ImageCameraUnknown(input.imageId, input.cameraProfile);
  const gsd = gsdAt(cam, input.pose, cam.cx, cam.cy, opts.planeHeightM);
  const result = await detector.detect(image, Number.isFinite(gsd) && gsd > 0 ? { gsdM: gsd } : {});

  const detections: InspectedImage['detections'] = [];
  let unplaced = 0;
  for (const d of result.detections) {
    const g = georeference(d, input.imageId, cam, input.pose, opts.planeHeightM);
    if (g) detections.push(g);
    else unplaced++;
  }
  if (opts.thumbnails) {
    const best = [...detections].sort((a, b) => b.confidence - a.confidence).slice(0, opts.thumbnails.max);
    for (const d of best) {
      const jpeg = await annotatedCrop(image, d.box, { size: opts.thumbnails.size, label: d.className });
      d.thumbnail = jpeg.toString('base64');
    }
  }
  return {
    imageId: input.imageId,
    width: image.width,
    height: image.height,
    detections,
    unplaced,
    image,
    stats: { decodeMs, preprocessMs: result.stats.preprocessMs, inferMs: result.stats.inferMs, tiles: result.stats.tiles },
  };
}

function isRawImage(s: ImageToInspect['source']): s is RawImage {
  return typeof s === 'object' && !Buffer.isBuffer(s) && 'data' in s && 'width' in s;
}

/** What an image record or a device message knows of a pose (every field may be missing). */
export interface PartialPose {
  lat?: number | undefined;
  lon?: number | undefined;
  altRel?: number | undefined;
  roll?: number | undefined;
  pitch?: number | undefined;
  yaw?: number | undefined;
  gimbalPitch?: number | undefined;
  gimbalYaw?: number | undefined;
}

/**
 * A pose georeferencing can use: position and height at least (null otherwise); missing angles are left to the
 * camera model's defaults (a nadir, stabilised gimbal).
 */
export function capturePoseOf(p: PartialPose, ts: number): CapturePose | null {
  if (p.lat === undefined || p.lon === undefined || p.altRel === undefined) return null;
  const pose: CapturePose = { ts, lat: p.lat, lon: p.lon, altRel: p.altRel };
  if (p.roll !== undefined) pose.roll = p.roll;
  if (p.pitch !== undefined) pose.pitch = p.pitch;
  if (p.yaw !== undefined) pose.yaw = p.yaw;
  if (p.gimbalPitch !== undefined) pose.gimbalPitch = p.gimbalPitch;
  if (p.gimbalYaw !== undefined) pose.gimbalYaw = p.gimbalYaw;
  return pose;
}

import type { ImageDetections } from '@fieldtrace/protocol';
import {
  capturePoseOf, inspectImage, loadCameraProfiles, loadDetector, type CameraProfiles, type Detector,
} from '@fieldtrace/inspection';
import type { ImagePose } from './image-pose.js';

export interface EdgeInferenceConfig {
  modelPath: string;
  modelConfigPath?: string | undefined;
  /** onnxruntime threads; 0: one per core (a ground station's laptop does little else during a flight). */
  threads: number;
  cameraProfileDir: string;
  /** Roof plane height above the take-off point, metres: the station does not know the site's roof record. */
  roofHeightM: number;
  /** Crops sent with the detections instead of the picture; the most confident first. */
  thumbnails: { size: number; max: number };
}

/** The `detections` reading for one picture, without its wire version and sequence number (the agent stamps those). */
export type DetectionsBody = Omit<ImageDetections, 'v' | 'seq'>;

export interface EdgeInference {
  /** Null when the picture has no usable pose (position and height): it cannot be placed on the roof. */
  inspect(path: string, imageId: string, pose: ImagePose & { ts: number }): Promise<DetectionsBody | null>;
  close(): Promise<void>;
}

/**
 * The cloud's inspection stage run on the ground station: the same model, tiling and georeferencing
 * (@fieldtrace/inspection), so a station with a poor link sends a few kilobytes of located detections and
 * thumbnails per picture instead of megabytes, and the cloud clusters them into findings exactly as its own.
 */
export function createEdgeInference(config: EdgeInferenceConfig): EdgeInference {
  let detector: Promise<Detector> | null = null;
  let cameras: Promise<CameraProfiles> | null = null;
  return {
    async inspect(path, imageId, pose) {
      const capture = capturePoseOf(pose, pose.ts);
      if (!capture) return null;
      const d = await (detector ??= loadDetector({
        modelPath: config.modelPath,
        ...(config.modelConfigPath ? { configPath: config.modelConfigPath } : {}),
        ...(config.threads > 0 ? { threads: config.threads } : {}),
      }));
      const result = await inspectImage(d, await (cameras ??= loadCameraProfiles(config.cameraProfileDir)),
        { imageId, source: path, pose: capture, cameraProfile: pose.cameraProfile },
        { planeHeightM: config.roofHeightM, thumbnails: config.thumbnails });
      return fitPayload({
        ts: pose.ts,
        imageId,
        width: result.width,
        height: result.height,
        lat: capture.lat,
        lon: capture.lon,
        altRel: capture.altRel,
        model: d.name,
        // The most confident first, so a payload cap keeps what matters; thumbnails only on the first `max`.
        detections: [...result.detections].sort((a, b) => b.confidence - a.confidence).slice(0, MAX_DETECTIONS).map((g) => ({
          box: g.box, classId: g.classId, className: g.className, confidence: g.confidence, lat: g.lat, lon: g.lon,
          footprint: g.footprint, areaM2: g.areaM2, gsdM: g.gsdM,
          // protocol caps a thumbnail at 24,000 characters; a larger one would get the whole message dead-lettered.
          ...(g.thumbnail && g.thumbnail.length <= MAX_THUMBNAIL_CHARS ? { thumbnail: g.thumbnail } : {}),
        })),
      });
    },
    async close() {
      const d = await detector?.catch(() => null);
      await d?.close();
    },
  };
}

/** protocol ImageDetection's thumbnail maxLength. */
const MAX_THUMBNAIL_CHARS = 24_000;
/** protocol ImageDetections allows 500; a picture with more is a model gone wrong. */
const MAX_DETECTIONS = 200;
/** Under ingest's 128 KiB payload limit (protocol MAX_PAYLOAD_BYTES) with room for `v` and `seq`. */
const MAX_BODY_BYTES = 120 * 1024;

/** Drops the least confident detections (they come sorted) until the message fits. */
function fitPayload(body: DetectionsBody): DetectionsBody {
  while (body.detections.length > 0 && Buffer.byteLength(JSON.stringify(body)) > MAX_BODY_BYTES) {
    body.detections.length = Math.floor(body.detections.length * 0.8);
  }
  return body;
}

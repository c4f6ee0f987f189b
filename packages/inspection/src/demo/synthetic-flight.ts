import { groundToPixel } from '../camera/georef.js';
import { localFrame } from '../camera/local-frame.js';
import { encodeJpeg } from '../imaging/decode.js';
import { renderView, type RoofScene } from '../synthetic/scene.js';
import type { CameraIntrinsics, CapturePose } from '../types.js';

/**
 * Synthetic survey pictures for tests, benchmarks and the demo tenant: a procedurally drawn roof seen from real or
 * planned camera poses. Nothing here is used on real data.
 */

export interface TrackPoint {
  ts: number;
  lat: number;
  lon: number;
  altRel?: number | undefined;
  roll?: number | undefined;
  pitch?: number | undefined;
  yaw?: number | undefined;
}

/**
 * Capture poses from a drone track (e.g. an autopilot log): points at least `minAltRelM` up, `minGapMs` apart,
 * at most `max`, spread evenly over the airborne part. The camera is a nadir-stabilised gimbal (no angles logged).
 */
export function capturePosesFromTrack(track: readonly TrackPoint[], opts: { minAltRelM: number; minGapMs: number; max: number }): CapturePose[] {
  const airborne: CapturePose[] = [];
  for (const p of track) {
    if (p.altRel === undefined || p.altRel < opts.minAltRelM) continue;
    if (airborne.length > 0 && p.ts - airborne[airborne.length - 1]!.ts < opts.minGapMs) continue;
    airborne.push({
      ts: p.ts, lat: p.lat, lon: p.lon, altRel: p.altRel, gimbalPitch: -90,
      ...(p.roll === undefined ? {} : { roll: p.roll }),
      ...(p.pitch === undefined ? {} : { pitch: p.pitch }),
      ...(p.yaw === undefined ? {} : { yaw: p.yaw }),
    });
  }
  if (airborne.length <= opts.max) return airborne;
  const step = airborne.length / opts.max;
  return Array.from({ length: opts.max }, (_, i) => airborne[Math.floor(i * step)]!);
}

/**
 * A lawnmower survey over a rectangle centred on `centre` (metres east × north), lanes north–south, pictures every
 * `spacingM` along a lane: the pattern a survey app flies. Heading follows the lane.
 */
export function lawnmowerPoses(
  centre: { lat: number; lon: number }, opts: { widthM: number; depthM: number; altRelM: number; laneSpacingM: number; spacingM: number; startTs: number; speedMps: number },
): CapturePose[] {
  const frame = localFrame(centre.lat, centre.lon);
  const poses: CapturePose[] = [];
  const lanes = Math.max(1, Math.round(opts.widthM / opts.laneSpacingM) + 1);
  const shots = Math.max(1, Math.round(opts.depthM / opts.spacingM) + 1);
  let ts = opts.startTs;
  for (let l = 0; l < lanes; l++) {
    const east = -opts.widthM / 2 + (lanes === 1 ? opts.widthM / 2 : (l * opts.widthM) / (lanes - 1));
    const northward = l % 2 === 0;
    for (let s = 0; s < shots; s++) {
      const k = northward ? s : shots - 1 - s;
      const north = -opts.depthM / 2 + (shots === 1 ? opts.depthM / 2 : (k * opts.depthM) / (shots - 1));
      const [lat, lon] = frame.toLatLon(east, north);
      poses.push({
        ts: Math.round(ts), lat, lon, altRel: opts.altRelM,
        yaw: northward ? 0 : 180, roll: 0, pitch: 0, gimbalPitch: -90,
      });
      ts += (opts.spacingM / opts.speedMps) * 1000;
    }
    ts += (opts.laneSpacingM / opts.speedMps) * 1000;
  }
  return poses;
}

export interface SyntheticShot {
  pose: CapturePose;
  jpeg: Buffer;
  width: number;
  height: number;
}

/** Renders and JPEG-encodes one picture per pose (quality 90: survey cameras write fine JPEGs). */
export async function renderShots(scene: RoofScene, cam: CameraIntrinsics, poses: readonly CapturePose[]): Promise<SyntheticShot[]> {
  const shots: SyntheticShot[] = [];
  for (const pose of poses) {
    const image = renderView(scene, cam, pose);
    shots.push({ pose, jpeg: await encodeJpeg(image, { quality: 90 }), width: image.width, height: image.height });
  }
  return shots;
}

/** How many of the poses see a ground point (at `heightM`) inside the frame, `marginPx` clear of the edges. */
export function viewsOf(cam: CameraIntrinsics, poses: readonly CapturePose[], lat: number, lon: number, heightM: number, marginPx = 40): number {
  let n = 0;
  for (const pose of poses) {
    const px = groundToPixel(cam, pose, lat, lon, heightM);
    if (px && px.u >= marginPx && px.v >= marginPx && px.u <= cam.width - marginPx && px.v <= cam.height - marginPx) n++;
  }
  return n;
}

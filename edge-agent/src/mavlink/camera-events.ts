import type { ardupilotmega, common } from 'node-mavlink';
import type { Reading } from '../sources/source.js';
import { unixMsFromUsec } from './time-anchor.js';
import { E7, normaliseHeading, quaternionToEulerDeg, round, validLatLonE7 } from './units.js';
import type { VehicleState } from './vehicle-state.js';

type ImageBody = Extract<Reading, { kind: 'image' }>['body'];

/** What the camera produces; MAVLink capture messages carry the pose, not the image size. */
export interface CameraProfile {
  profile: string;
  widthPx: number;
  heightPx: number;
}

/**
 * ArduPilot's CAMERA_FEEDBACK (ardupilotmega.xml, id 180): sent when the autopilot triggers the camera (or sees
 * the hot-shoe feedback). Angles are already degrees, altitudes metres. `time_usec` is GPS-derived Unix µs when
 * the vehicle has a GPS time, otherwise time since boot, so `fallbackTs` (anchored receive time) is used then.
 */
export function imageFromCameraFeedback(
  sysid: number,
  fb: ardupilotmega.CameraFeedback,
  camera: CameraProfile,
  fallbackTs: number,
): ImageBody | undefined {
  if (!validLatLonE7(fb.lat, fb.lng)) return undefined;
  const ts = unixMsFromUsec(fb.timeUsec) ?? fallbackTs;
  return compact({
    ts,
    imageId: `mav${sysid}-cam${fb.camIdx}-img${fb.imgIdx}-${ts}`,
    width: camera.widthPx,
    height: camera.heightPx,
    lat: fb.lat / E7,
    lon: fb.lng / E7,
    altRel: finite(fb.altRel),
    roll: angle(fb.roll),
    pitch: angle(fb.pitch),
    yaw: angle(fb.yaw) === undefined ? undefined : normaliseHeading(fb.yaw),
    cameraProfile: camera.profile,
  });
}

/**
 * CAMERA_IMAGE_CAPTURED (common.xml, id 263): sent by a MAVLink camera (or the autopilot on its behalf) per image.
 * `q` is the CAMERA's orientation, which we report as gimbal pitch/yaw; the vehicle attitude comes from the latest
 * ATTITUDE. Captures with capture_result = 0 (failed) produce no image.
 */
export function imageFromCameraImageCaptured(
  sysid: number,
  msg: common.CameraImageCaptured,
  state: VehicleState,
  camera: CameraProfile,
  fallbackTs: number,
): ImageBody | undefined {
  if (Number(msg.captureResult) !== 1 || !validLatLonE7(msg.lat, msg.lon)) return undefined;
  const ts = unixMsFromUsec(msg.timeUtc) ?? fallbackTs;
  const cameraAngles = quaternionToEulerDeg(msg.q ?? []);
  const uri = typeof msg.fileUrl === 'string' ? msg.fileUrl.replace(/\0+$/, '').trim() : '';
  return compact({
    ts,
    imageId: `mav${sysid}-cam${msg.cameraId}-img${msg.imageIndex}-${ts}`,
    uri: uri.length > 0 ? uri.slice(0, 1024) : undefined,
    width: camera.widthPx,
    height: camera.heightPx,
    lat: msg.lat / E7,
    lon: msg.lon / E7,
    altRel: round(msg.relativeAlt / 1000, 3),
    roll: state.roll,
    pitch: state.pitch,
    yaw: state.yaw,
    gimbalPitch: cameraAngles?.pitch,
    gimbalYaw: cameraAngles?.yaw,
    cameraProfile: camera.profile,
  });
}

/** Degrees as the schema accepts them (±360); anything else is a garbage float and omitted. */
function angle(value: number | undefined): number | undefined {
  return value === undefined || !Number.isFinite(value) || Math.abs(value) > 360 ? undefined : round(value, 2);
}

function finite(value: number | undefined, decimals = 3): number | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : round(value, decimals);
}

/** Drops undefined members so the message carries only what the autopilot actually told us. */
export function compact<T extends object>(body: T): T {
  for (const key of Object.keys(body) as (keyof T)[]) {
    if (body[key] === undefined) delete body[key];
  }
  return body;
}

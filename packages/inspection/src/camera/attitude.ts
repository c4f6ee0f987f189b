import type { CapturePose } from '../types.js';

/** Row-major 3×3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

const RAD = Math.PI / 180;

/** A nadir camera is the default when a pose carries no gimbal angles (the survey mount in the camera profile). */
export const DEFAULT_GIMBAL_PITCH_DEG = -90;

/**
 * The rotation that takes a direction in the camera frame to the local East-North-Up frame at the camera:
 * `d_enu = R · d_cam`.
 *
 * Frames and conventions:
 * - Camera (OpenCV): x right in the image, y down in the image, z along the optical axis.
 * - Gimbal frame, aerospace style: x forward along the optical axis, y right, z down. So camera (x, y, z) is gimbal
 *   (y, z, x): `C` below.
 * - Attitudes are intrinsic Z-Y-X Tait–Bryan angles (yaw ψ about down, then pitch θ about the new right axis, then roll
 *   φ about the new forward axis) taking body (or gimbal) axes to North-East-Down: `R_nb = Rz(ψ)·Ry(θ)·Rx(φ)`, with
 *   yaw clockwise from true north, pitch nose (lens) up, roll right side down. Gimbal pitch −90 therefore points the
 *   lens straight down with the top of the image towards the heading — how a survey drone's nadir photos come out.
 * - Stabilised gimbal (default): its pitch and roll are held in the earth frame, so
 *   `R_ng = Rz(ψ_g)·Ry(θ_g)·Rx(φ_g)` with ψ_g = vehicle yaw + gimbal yaw (or the gimbal yaw alone when absolute);
 *   the vehicle's roll and pitch do not enter.
 * - Hard mount (`gimbalStabilised: false`): the gimbal angles are fixed relative to the body,
 *   `R_ng = R_nb(ψ, θ, φ)·Rz(γ)·Ry(θ_g)·Rx(φ_g)` with γ the gimbal yaw relative to the heading.
 * - NED → ENU swaps the first two axes and negates the third: `P`.
 * Result: `R = P · R_ng · C`.
 */
export function cameraToEnu(pose: CapturePose): Mat3 {
  const yaw = pose.yaw ?? 0;
  const gPitch = pose.gimbalPitch ?? DEFAULT_GIMBAL_PITCH_DEG;
  const gRoll = pose.gimbalRoll ?? 0;
  const gYaw = pose.gimbalYaw ?? 0;
  let rNg: Mat3;
  if (pose.gimbalStabilised === false) {
    const relYaw = pose.gimbalYawIsAbsolute ? gYaw - yaw : gYaw;
    rNg = mul(zyx(yaw, pose.pitch ?? 0, pose.roll ?? 0), zyx(relYaw, gPitch, gRoll));
  } else {
    rNg = zyx(pose.gimbalYawIsAbsolute ? gYaw : yaw + gYaw, gPitch, gRoll);
  }
  return mul(mul(NED_TO_ENU, rNg), CAMERA_TO_GIMBAL);
}

/** `R · v` */
export function apply(r: Mat3, x: number, y: number, z: number): [number, number, number] {
  return [r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z, r[6] * x + r[7] * y + r[8] * z];
}

/** `Rᵀ · v` — the inverse rotation. */
export function applyTransposed(r: Mat3, x: number, y: number, z: number): [number, number, number] {
  return [r[0] * x + r[3] * y + r[6] * z, r[1] * x + r[4] * y + r[7] * z, r[2] * x + r[5] * y + r[8] * z];
}

// gimbal = C · camera: gimbal x (forward) = camera z, gimbal y (right) = camera x, gimbal z (down) = camera y.
const CAMERA_TO_GIMBAL: Mat3 = [0, 0, 1, 1, 0, 0, 0, 1, 0];
// enu = P · ned
const NED_TO_ENU: Mat3 = [0, 1, 0, 1, 0, 0, 0, 0, -1];

/** Rz(yaw)·Ry(pitch)·Rx(roll), degrees. */
function zyx(yawDeg: number, pitchDeg: number, rollDeg: number): Mat3 {
  const cy = Math.cos(yawDeg * RAD);
  const sy = Math.sin(yawDeg * RAD);
  const cp = Math.cos(pitchDeg * RAD);
  const sp = Math.sin(pitchDeg * RAD);
  const cr = Math.cos(rollDeg * RAD);
  const sr = Math.sin(rollDeg * RAD);
  return [
    cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr,
    sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr,
    -sp, cp * sr, cp * cr,
  ];
}

function mul(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9) as Mat3;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  }
  return out;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ardupilotmega, common, type MavLinkData } from 'node-mavlink';
import type { Reading } from '../sources/source.js';
import { flightModeName } from './flight-modes.js';
import { MavlinkMapper } from './mapper.js';
import { PacketDecoder } from './packet-decoder.js';
import { copterHeartbeat, firstInvalid, frameOf, globalPosition, ofKind, TEST_CAMERA } from './test-support.js';

const T0 = Date.UTC(2026, 3, 1, 10, 0, 0);

/** Runs messages through the real decoder and mapper, as frames received at the given times. */
function pipeline(options: { systemId?: number } = {}) {
  const decoder = new PacketDecoder();
  const mapper = new MavlinkMapper({ camera: TEST_CAMERA, ...options });
  const readings: Reading[] = [];
  return {
    mapper,
    readings,
    send(message: MavLinkData, receivedAtMs: number, frame: { sysid?: number; compid?: number; v2?: boolean } = {}) {
      const decoded = decoder.decode(frameOf(message, frame), receivedAtMs);
      assert.ok(decoded, `decodes ${message.constructor.name}`);
      readings.push(...mapper.map(decoded));
    },
  };
}

test('a drone reading combines position with the latest attitude, battery, armed state, mode and mission item', () => {
  const p = pipeline();
  p.send(copterHeartbeat(true, ardupilotmega.CopterMode.AUTO), T0);
  const att = new common.Attitude();
  Object.assign(att, { timeBootMs: 1000, roll: 0.1, pitch: -0.05, yaw: -Math.PI / 2 });
  p.send(att, T0);
  const status = new common.SysStatus();
  status.batteryRemaining = 73;
  p.send(status, T0);
  const mission = new common.MissionCurrent();
  mission.seq = 4;
  p.send(mission, T0);
  p.send(globalPosition(60_000, -35.3622, 149.1657, 12.5), T0 + 80);
  const [drone] = ofKind(p.readings, 'drone');
  assert.deepEqual(drone, {
    ts: T0 + 80, lat: -35.3622, lon: 149.1657, altMsl: 596.5, altRel: 12.5, roll: 5.73, pitch: -2.86, yaw: 90,
    groundSpeed: 5, climb: 0.5, batteryPct: 73, armed: true, mode: 'AUTO', missionSeq: 4,
  });
  assert.equal(firstInvalid(p.readings), undefined);
});

test('event time follows the autopilot clock, not radio jitter, and re-anchors after a reboot', () => {
  const p = pipeline();
  // Boot ms 10_000 received at T0 + 50, then 10_500 held up by the radio and received in a burst at T0 + 900:
  // it keeps its 500 ms spacing from the first instead of inheriting the 350 ms delay.
  p.send(globalPosition(10_000, -35.3622, 149.1657, 1), T0 + 50);
  p.send(globalPosition(10_500, -35.3622, 149.1657, 1), T0 + 900);
  p.send(globalPosition(11_000, -35.3622, 149.1657, 1), T0 + 1010);
  // Reboot: boot time restarts.
  p.send(globalPosition(3_000, -35.3622, 149.1657, 1), T0 + 60_000);
  const ts = ofKind(p.readings, 'drone').map((d) => d.ts);
  assert.deepEqual(ts, [T0 + 50, T0 + 550, T0 + 1010, T0 + 60_000]);
});

test('messages from the ground station, the radio and other vehicles are not mapped', () => {
  const p = pipeline();
  const gcs = copterHeartbeat(false, 0);
  gcs.type = 6; // MAV_TYPE_GCS
  gcs.autopilot = 8; // MAV_AUTOPILOT_INVALID
  p.send(gcs, T0, { sysid: 255, compid: 0 });
  p.send(copterHeartbeat(false, 0), T0, { sysid: 1 });
  p.send(globalPosition(1000, -35.3622, 149.1657, 1), T0, { sysid: 2 });
  p.send(globalPosition(1000, -35.3622, 149.1657, 1), T0, { sysid: 1 });
  assert.equal(ofKind(p.readings, 'drone').length, 1);
  assert.equal(p.mapper.counts['skipped.before-vehicle'], 1);
  assert.equal(p.mapper.counts['skipped.other-system'], 1);
});

test('CAMERA_FEEDBACK (ArduPilot) becomes an image reading with the capture pose', () => {
  const p = pipeline();
  p.send(copterHeartbeat(true, ardupilotmega.CopterMode.AUTO), T0);
  const fb = new ardupilotmega.CameraFeedback();
  Object.assign(fb, {
    timeUsec: BigInt(T0 + 1234) * 1000n, targetSystem: 0, camIdx: 0, imgIdx: 17, lat: -353622000, lng: 1491657000,
    altMsl: 612.3, altRel: 28.4, roll: 1.5, pitch: -3.25, yaw: -10, focLen: 8.8, flags: 0, completedCaptures: 17,
  });
  p.send(fb, T0 + 2000);
  const images = ofKind(p.readings, 'image');
  assert.deepEqual(images, [{
    ts: T0 + 1234, imageId: `mav1-cam0-img17-${T0 + 1234}`, width: 4000, height: 3000, lat: -35.3622, lon: 149.1657,
    altRel: 28.4, roll: 1.5, pitch: -3.25, yaw: 350, cameraProfile: 'test-camera',
  }]);
  assert.equal(firstInvalid(p.readings), undefined);
});

test('CAMERA_IMAGE_CAPTURED (MAVLink camera) becomes an image with gimbal angles and file URL; failed captures do not', () => {
  const p = pipeline();
  p.send(copterHeartbeat(true, ardupilotmega.CopterMode.AUTO), T0);
  const att = new common.Attitude();
  Object.assign(att, { timeBootMs: 1000, roll: 0, pitch: 0, yaw: 0 });
  p.send(att, T0);
  const pitchDown = -Math.PI / 4; // camera pitched 45° down: q = [cos(θ/2), 0, sin(θ/2), 0]
  const shot = new common.CameraImageCaptured();
  Object.assign(shot, {
    timeBootMs: 5000, timeUtc: 0n, cameraId: 1, lat: -353622000, lon: 1491657000, alt: 612000, relativeAlt: 28000,
    q: [Math.cos(pitchDown / 2), 0, Math.sin(pitchDown / 2), 0], imageIndex: 3, captureResult: 1, fileUrl: 'http://cam/DCIM/0003.JPG',
  });
  p.send(shot, T0 + 5100, { compid: 100 });
  p.send(Object.assign(new common.CameraImageCaptured(), shot, { imageIndex: 4, captureResult: 0 }), T0 + 6100, { compid: 100 });
  const images = ofKind(p.readings, 'image');
  assert.equal(images.length, 1);
  const [image] = images;
  assert.equal(image!.ts, T0 + 5100, 'no UTC time: camera boot time anchored to receipt');
  assert.equal(image!.uri, 'http://cam/DCIM/0003.JPG');
  assert.equal(image!.gimbalPitch, -45);
  assert.equal(image!.altRel, 28);
  assert.equal(image!.yaw, 0);
  assert.equal(p.mapper.counts['skipped.image-no-pose'], 1);
  assert.equal(firstInvalid(p.readings), undefined);
});

test('flight mode names for ArduCopter, ArduPlane and PX4', () => {
  assert.equal(flightModeName(2, 3, 5), 'LOITER');
  assert.equal(flightModeName(2, 3, 6), 'RTL');
  assert.equal(flightModeName(1, 3, 19), 'QLOITER');
  assert.equal(flightModeName(1, 3, 10), 'AUTO');
  assert.equal(flightModeName(2, 12, (4 << 16) | (4 << 24)), 'AUTO.MISSION');
  assert.equal(flightModeName(2, 12, 3 << 16), 'POSCTL');
  assert.equal(flightModeName(2, 0, 5), undefined);
});

test('a forward step of the receive clock (edge computer without RTC getting NTP time) re-anchors event time', () => {
  const p = pipeline();
  const stale = Date.UTC(2020, 0, 1);
  p.send(globalPosition(10_000, -35.3622, 149.1657, 1), stale);
  p.send(globalPosition(10_200, -35.3622, 149.1657, 1), T0 + 10);
  p.send(globalPosition(10_400, -35.3622, 149.1657, 1), T0 + 200);
  assert.deepEqual(ofKind(p.readings, 'drone').map((d) => d.ts), [stale, T0 + 10, T0 + 200]);
});

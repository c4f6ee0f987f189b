import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstInvalid, mavlinkFixture, ofKind, runFile } from './test-support.js';

/** README: CMAC field near Canberra, lat −35.3624…−35.3620, lon 149.1654…149.1660 (4 decimals, so ±0.00005). */
const FLIGHT_BOX = { minLat: -35.36245, maxLat: -35.36195, minLon: 149.16535, maxLon: 149.16605 };
/** README: 2015-07-05 00:26:43–00:49:38 UTC. */
const FLIGHT_START = Date.UTC(2015, 6, 5, 0, 26, 43);
const FLIGHT_END = Date.UTC(2015, 6, 5, 0, 49, 39);

test('dronekit-flight: a drone track inside the README bounding box, in flight time order, every reading valid', async () => {
  const { readings, source } = await runFile({ kind: 'tlog', path: mavlinkFixture('dronekit-flight.tlog') });
  assert.equal(firstInvalid(readings), undefined);
  const track = ofKind(readings, 'drone');
  // One per GLOBAL_POSITION_INT from the vehicle, minus those sent before the GPS had a position (lat = lon = 0).
  assert.equal(track.length, source.typeCounts().GLOBAL_POSITION_INT! - source.stats()['skipped.no-position']!);
  assert.ok(track.length > 2600, `${track.length}`);
  for (const p of track) {
    assert.ok(p.lat >= FLIGHT_BOX.minLat && p.lat <= FLIGHT_BOX.maxLat, `lat ${p.lat}`);
    assert.ok(p.lon >= FLIGHT_BOX.minLon && p.lon <= FLIGHT_BOX.maxLon, `lon ${p.lon}`);
    assert.ok(p.ts >= FLIGHT_START && p.ts <= FLIGHT_END, new Date(p.ts).toISOString());
  }
  for (let i = 1; i < track.length; i++) assert.ok(track[i]!.ts >= track[i - 1]!.ts, `ts goes back at ${i}`);
  // README: relative alt −1.8…13.3 m, ground speed ≤ 8 m/s.
  const altRel = track.map((p) => p.altRel!);
  assert.ok(Math.min(...altRel) >= -1.8 && Math.max(...altRel) <= 13.3 && Math.max(...altRel) > 13);
  assert.ok(Math.max(...track.map((p) => p.groundSpeed!)) <= 8);
  // Real ArduCopter state folded into each reading.
  assert.deepEqual(new Set(track.map((p) => p.mode)), new Set(['STABILIZE', 'LOITER', 'RTL']));
  assert.ok(track.some((p) => p.armed === true) && track.some((p) => p.armed === false));
  assert.ok(track.every((p) => p.batteryPct !== undefined && p.roll !== undefined && p.yaw! >= 0 && p.yaw! < 360));
});

test('dronekit-flight: arm/disarm cycles become sensor readings; GPS_RAW_INT fixes with quality', async () => {
  const { readings } = await runFile({ kind: 'tlog', path: mavlinkFixture('dronekit-flight.tlog') });
  const armed = ofKind(readings, 'sensor').flatMap((s) => s.readings.filter((r) => r.name === 'armed').map((r) => r.value));
  assert.ok(armed.length >= 6, `several arm/disarm cycles, got ${armed.length}`);
  for (let i = 1; i < armed.length; i++) assert.notEqual(armed[i], armed[i - 1], 'transitions alternate');
  const fixes = ofKind(readings, 'fix');
  assert.ok(fixes.length > 2600);
  assert.ok(fixes.every((f) => f.fix === '2d' || f.fix === '3d'));
  assert.ok(Math.max(...fixes.map((f) => f.sats!)) <= 8);
});

test('arduplane-vtol-sitl: QuadPlane modes, mission items reached, home position, every reading valid', async () => {
  const { readings } = await runFile({ kind: 'tlog', path: mavlinkFixture('arduplane-vtol-sitl.tlog') });
  assert.equal(firstInvalid(readings), undefined);
  const track = ofKind(readings, 'drone');
  assert.equal(track.length, 807);
  const modes = new Set(track.map((p) => p.mode).filter(Boolean));
  assert.ok(modes.has('QLOITER') && modes.has('QLAND'), [...modes].join());
  // README: ground speed up to 27.8 m/s, alt up to 63 m.
  assert.ok(Math.abs(Math.max(...track.map((p) => p.groundSpeed!)) - 27.8) < 0.1);
  assert.ok(Math.abs(Math.max(...track.map((p) => p.altRel!)) - 63) < 1);
  const sensorNames = ofKind(readings, 'sensor').flatMap((s) => s.readings.map((r) => r.name));
  assert.equal(sensorNames.filter((n) => n === 'mission_item_reached').length, 2);
  assert.ok(sensorNames.includes('home_lat') && sensorNames.includes('home_lon'));
  assert.ok(ofKind(readings, 'fix').every((f) => f.fix === 'rtk-fixed' && f.sats === 10), 'README: fix type 6, 10 satellites');
});

test('px4 raw v2 stream through the splitter: 3,398 packets + 14 unknown ids; mapped readings valid', async () => {
  const { readings, source } = await runFile({ kind: 'raw-file', path: mavlinkFixture('px4-mavlink-v2-3412-packets.bin') });
  const stats = source.stats();
  const types = source.typeCounts();
  assert.equal(stats.packets, 3398);
  assert.equal(stats['unknown-id'], 14);
  assert.equal(stats['crc-mismatch'], 0);
  assert.deepEqual(
    [types.ATTITUDE_TARGET, types.ATTITUDE, types.SERVO_OUTPUT_RAW, types.ATTITUDE_QUATERNION, types.GLOBAL_POSITION_INT, types.LOCAL_POSITION_NED, types.MISSION_ITEM_INT, types.MISSION_CURRENT, types.VFR_HUD, types.HEARTBEAT, types.GPS_RAW_INT, types.SYS_STATUS, types.HOME_POSITION, types.UTM_GLOBAL_POSITION, types.BATTERY_STATUS],
    [506, 505, 505, 505, 505, 505, 145, 94, 41, 10, 10, 10, 6, 5, 5],
  );
  assert.equal(firstInvalid(readings), undefined);
  const track = ofKind(readings, 'drone');
  assert.equal(track.length, 505);
  // README: on the ground at lat 37.83283, lon −122.51258.
  assert.ok(track.every((p) => Math.abs(p.lat - 37.83283) < 1e-4 && Math.abs(p.lon + 122.51258) < 1e-4));
  assert.ok(track.some((p) => p.mode?.startsWith('AUTO') || p.mode === 'POSCTL' || p.mode === 'MANUAL'), 'PX4 mode names');
});

test('px4 GH-5 mixed v1/v2 stream: 136 packets + 2 unknown ids, nothing mapped without a position', async () => {
  const { readings, source } = await runFile({ kind: 'raw-file', path: mavlinkFixture('px4-GH-5.bin') });
  const types = source.typeCounts();
  assert.equal(source.stats().packets, 136);
  assert.equal(source.stats()['unknown-id'], 2);
  assert.deepEqual(
    [types.HIGHRES_IMU, types.ATTITUDE, types.ATTITUDE_QUATERNION, types.SCALED_IMU, types.SCALED_IMU2, types.SCALED_IMU3, types.ODOMETRY, types.ACTUATOR_CONTROL_TARGET, types.SERVO_OUTPUT_RAW, types.VFR_HUD, types.HEARTBEAT],
    [21, 14, 14, 11, 11, 11, 9, 9, 9, 7, 2],
  );
  assert.equal(ofKind(readings, 'drone').length, 0);
});

test('dronekit-test: no GPS fix, so no positions, and nothing invalid', async () => {
  const { readings, source } = await runFile({ kind: 'tlog', path: mavlinkFixture('dronekit-test.tlog') });
  assert.equal(ofKind(readings, 'drone').length, 0);
  assert.equal(source.stats()['skipped.no-position'], 11);
  assert.equal(firstInvalid(readings), undefined);
});

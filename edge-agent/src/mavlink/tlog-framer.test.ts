import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MavLinkPacketParser, MavLinkPacketSplitter, type MavLinkPacket } from 'node-mavlink';
import { messageName } from './registry.js';
import { TlogFramer } from './tlog-framer.js';
import { mavlinkFixture, runFile, tlogRecords } from './test-support.js';

/** README: the per-type counts of the three tlogs (dronekit-flight: as the README's method reports them). */
const README_FLIGHT: Record<string, number> = {
  POWER_STATUS: 2863, SYS_STATUS: 2861, MEMINFO: 2854, RAW_IMU: 2853, MISSION_CURRENT: 2853, FENCE_STATUS: 2853,
  GPS_RAW_INT: 2852, NAV_CONTROLLER_OUTPUT: 2852, SCALED_PRESSURE: 2851, SCALED_IMU2: 2848, GLOBAL_POSITION_INT: 2827,
  RC_CHANNELS: 2825, RC_CHANNELS_RAW: 2824, SERVO_OUTPUT_RAW: 2823, VIBRATION: 2823, ATTITUDE: 2822, AHRS2: 2822,
  MOUNT_STATUS: 2822, EKF_STATUS_REPORT: 2821, HWSTATUS: 2810, AHRS: 2809, SYSTEM_TIME: 2809, VFR_HUD: 2808,
  TERRAIN_REPORT: 2672, HEARTBEAT: 2407, RADIO: 1358, RADIO_STATUS: 1353, LOCAL_POSITION_NED: 1156, PARAM_VALUE: 497,
  PARAM_REQUEST_READ: 290, SENSOR_OFFSETS: 260, REQUEST_DATA_STREAM: 91, STATUSTEXT: 25, COMMAND_LONG: 4, COMMAND_ACK: 2,
};

test('dronekit-test.tlog: 417 packets of 19 types, the README counts, and the truncated last record', async () => {
  const { source } = await runFile({ kind: 'tlog', path: mavlinkFixture('dronekit-test.tlog') });
  const types = source.typeCounts();
  assert.equal(source.stats().packets, 417);
  assert.equal(Object.keys(types).length, 19);
  assert.deepEqual(
    { PARAM_VALUE: types.PARAM_VALUE, ATTITUDE: types.ATTITUDE, VFR_HUD: types.VFR_HUD, GLOBAL_POSITION_INT: types.GLOBAL_POSITION_INT, HEARTBEAT: types.HEARTBEAT, GPS_RAW_INT: types.GPS_RAW_INT, SYS_STATUS: types.SYS_STATUS, WIND: types.WIND, AHRS: types.AHRS, HWSTATUS: types.HWSTATUS },
    { PARAM_VALUE: 228, ATTITUDE: 37, VFR_HUD: 36, GLOBAL_POSITION_INT: 11, HEARTBEAT: 8, GPS_RAW_INT: 8, SYS_STATUS: 8, WIND: 8, AHRS: 8, HWSTATUS: 8 },
  );
  assert.equal(source.stats().truncated, 1, 'the 11-byte partial record at the end');
});

test('arduplane-vtol-sitl.tlog: 23,894 packets of 41 types, AUTOPILOT_VERSION decoded via the standard dialect', async () => {
  const { source } = await runFile({ kind: 'tlog', path: mavlinkFixture('arduplane-vtol-sitl.tlog') });
  const types = source.typeCounts();
  const stats = source.stats();
  assert.equal(stats.packets, 23_894);
  assert.equal(Object.keys(types).length, 41);
  assert.deepEqual(
    [types.PARAM_VALUE, types.SIMSTATE, types.AHRS2, types.ATTITUDE, types.AHRS3, types.VFR_HUD, types.GLOBAL_POSITION_INT, types.GPS_RAW_INT, types.POSITION_TARGET_GLOBAL_INT, types.MISSION_ITEM, types.HEARTBEAT, types.HOME_POSITION, types.MISSION_ITEM_REACHED, types.AUTOPILOT_VERSION],
    [1147, 889, 889, 888, 888, 878, 807, 799, 795, 260, 199, 6, 2, 1],
  );
  assert.equal(stats['unknown-id'] ?? 0, 0);
  assert.equal(stats['crc-mismatch'] ?? 0, 0);
  assert.equal(stats.truncated, 0);
});

test('dronekit-flight.tlog strict framing: every record accounted for; the 1,314 stale msgid-142 frames fail CRC', async () => {
  const { source } = await runFile({ kind: 'tlog', path: mavlinkFixture('dronekit-flight.tlog') });
  const stats = source.stats();
  const types = source.typeCounts();
  assert.equal(Object.keys(types).length, 35);
  assert.equal(stats.frames, 76_791);
  assert.equal(stats.packets, 75_477);
  assert.equal(stats['crc-mismatch'], 1314);
  assert.equal(stats['unknown-id'] ?? 0, 0);
  assert.equal(stats.truncated, 1);
  assert.equal(stats.frames, stats.packets + stats['crc-mismatch']!);
  assert.equal(types.GLOBAL_POSITION_INT, 2833);
  assert.equal(types.HEARTBEAT, 2421);
  // Strict framing never finds fewer packets of a type than the README's method.
  for (const [name, count] of Object.entries(README_FLIGHT)) assert.ok((types[name] ?? 0) >= count, `${name}: ${types[name]} < ${count}`);
});

test("dronekit-flight.tlog: the README's 75,300 / 1,312 CRC / 17 unknown come from one shared splitter resyncing inside rejected frames", async () => {
  const splitter = new MavLinkPacketSplitter({}, { onCrcError: () => { crcErrors++; } });
  let crcErrors = 0;
  const types: Record<string, number> = {};
  const parser = splitter.pipe(new MavLinkPacketParser());
  parser.on('data', (p: MavLinkPacket) => { const n = messageName(p.header.msgid); types[n] = (types[n] ?? 0) + 1; });
  for (const record of tlogRecords('dronekit-flight.tlog')) splitter.write(record.frame);
  splitter.end();
  await new Promise((resolve) => parser.on('end', resolve));
  assert.deepEqual(types, README_FLIGHT);
  assert.equal(Object.values(types).reduce((a, b) => a + b, 0), 75_300);
  assert.equal(crcErrors, 1312);
  assert.equal(splitter.unknownPackagesCount, 17);
});

test('framing does not depend on how the bytes are chunked', () => {
  const bytes = readFileSync(mavlinkFixture('arduplane-vtol-sitl.tlog'));
  const framer = new TlogFramer();
  let records = 0;
  for (let i = 0; i < bytes.length; i += 7) records += framer.push(bytes.subarray(i, i + 7)).length;
  framer.end();
  assert.equal(records, 23_894);
  assert.equal(framer.truncated, 0);
});

test('a corrupt stretch between records is skipped byte by byte and framing resumes at the next record', () => {
  const bytes = readFileSync(mavlinkFixture('dronekit-test.tlog'));
  const clean = new TlogFramer().push(bytes);
  const boundary = clean.slice(0, 50).reduce((sum, r) => sum + 8 + r.frame.length, 0);
  const garbage = Buffer.from([0x00, 0x13, 0xfe, 0x42, 0x99, 0xfd, 0x07]);
  const framer = new TlogFramer();
  const records = framer.push(Buffer.concat([bytes.subarray(0, boundary), garbage, bytes.subarray(boundary)]));
  assert.equal(records.length, clean.length);
  assert.equal(framer.resyncBytes, garbage.length);
  assert.deepEqual(records[50]!.frame, clean[50]!.frame);
});

test('random bytes never crash the framer or the decoder, and every reject is counted', async () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
  const { PacketDecoder } = await import('./packet-decoder.js');
  const decoder = new PacketDecoder();
  for (let round = 0; round < 200; round++) {
    const junk = Buffer.from(Array.from({ length: 64 + rand() * 4 }, rand));
    const framer = new TlogFramer();
    for (const record of framer.push(junk)) decoder.decode(record.frame, record.loggedAtMs);
    framer.end();
    // Frames with a start byte but random content: decode must reject them, not throw.
    junk[0] = round % 2 ? 0xfe : 0xfd;
    decoder.decode(junk.subarray(0, Math.min(junk.length, 12 + (junk[1] ?? 0))), 0);
  }
  const c = decoder.counts;
  assert.equal(c.frames, (c.packets ?? 0) + (c['not-a-frame'] ?? 0) + (c.truncated ?? 0) + (c['unknown-id'] ?? 0) + (c['crc-mismatch'] ?? 0) + (c['decode-error'] ?? 0));
});

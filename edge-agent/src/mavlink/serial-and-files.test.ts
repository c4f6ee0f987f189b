import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialPortMock } from 'serialport';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { waitFor } from '@fieldtrace/testkit';
import type { Reading } from '../sources/source.js';
import type { SerialPortConstructor } from './links.js';
import { createMavlinkSource } from './mavlink-source.js';
import { firstInvalid, ofKind, TEST_CAMERA, tlogRecords } from './test-support.js';

test('serial: bytes from a telemetry radio, split at arbitrary points, come out as readings', async (t) => {
  const path = '/dev/ttyMAVLINK-test';
  SerialPortMock.binding.createPort(path, { echo: false, record: false });
  let opened: SerialPortMock | undefined;
  class CapturingMock extends SerialPortMock {
    constructor(options: { path: string; baudRate: number; autoOpen: false }) {
      super(options);
      opened = this;
    }
  }
  const source = createMavlinkSource(
    { link: { kind: 'serial', path, baudRate: 57600 }, camera: TEST_CAMERA },
    { clock: systemClock, logger: silentLogger, serialPort: CapturingMock as unknown as SerialPortConstructor },
  );
  const readings: Reading[] = [];
  await source.start((r) => readings.push(r));
  t.after(() => source.close());
  // A serial link has no message boundaries: deliver the stream in 100-byte pieces.
  const frames = tlogRecords('arduplane-vtol-sitl.tlog').slice(0, 1500).map((r) => r.frame);
  const stream = Buffer.concat(frames);
  for (let i = 0; i < stream.length; i += 100) opened!.port!.emitData(stream.subarray(i, i + 100));
  await waitFor('1500 packets', () => source.stats().packets === 1500);
  const positions = frames.filter((f) => f[5] === 33).length; // GLOBAL_POSITION_INT (v1: msgid at byte 5)
  assert.ok(positions > 10);
  assert.equal(ofKind(readings, 'drone').length, positions);
  assert.equal(firstInvalid(readings), undefined);
});

test('serial: a missing device fails start with a stable error code', async () => {
  const source = createMavlinkSource(
    { link: { kind: 'serial', path: '/dev/does-not-exist' }, camera: TEST_CAMERA },
    { clock: systemClock, logger: silentLogger, serialPort: SerialPortMock as unknown as SerialPortConstructor },
  );
  await assert.rejects(source.start(() => undefined), (err: Error & { code?: string }) => err.code === 'FT_MAVLINK_LINK');
});

test('a missing tlog fails start with a stable error code', async () => {
  const source = createMavlinkSource(
    { link: { kind: 'tlog', path: '/nonexistent/flight.tlog' }, camera: TEST_CAMERA },
    { clock: systemClock, logger: silentLogger },
  );
  await assert.rejects(source.start(() => undefined), (err: Error & { code?: string }) => err.code === 'FT_MAVLINK_LINK');
});

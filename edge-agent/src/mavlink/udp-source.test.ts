import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { waitFor } from '@fieldtrace/testkit';
import type { Reading } from '../sources/source.js';
import { createMavlinkSource } from './mavlink-source.js';
import { firstInvalid, ofKind, TEST_CAMERA, tlogRecords } from './test-support.js';

async function sendDatagrams(port: number, datagrams: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => socket.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

test('UDP: frames sent to the source port (ephemeral, 127.0.0.1) come out as valid drone readings', async (t) => {
  const source = createMavlinkSource(
    { link: { kind: 'udp', port: 0, bindAddress: '127.0.0.1' }, camera: TEST_CAMERA },
    { clock: systemClock, logger: silentLogger },
  );
  const readings: Reading[] = [];
  await source.start((r) => readings.push(r));
  t.after(() => source.close());
  const port = source.address()!.port;
  assert.ok(port > 0 && port !== 14550);

  // The SITL flight's first 3,000 frames, one per datagram as ArduPilot sends them, plus a few packed together.
  const frames = tlogRecords('arduplane-vtol-sitl.tlog').slice(0, 3000).map((r) => r.frame);
  const packed = [Buffer.concat(frames.slice(2990)), ...frames.slice(0, 2990)];
  // Pace in batches so the kernel's receive buffer does not overflow (UDP drops silently).
  for (let i = 0; i < packed.length; i += 50) {
    await sendDatagrams(port, packed.slice(i, i + 50));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const expectedPositions = frames.filter((f) => f[5] === 33).length; // GLOBAL_POSITION_INT, v1 msgid byte
  await waitFor('all positions', () => source.typeCounts().GLOBAL_POSITION_INT === expectedPositions);
  const drone = ofKind(readings, 'drone');
  assert.equal(drone.length, expectedPositions);
  assert.equal(source.stats().packets, 3000);
  assert.equal(firstInvalid(readings), undefined);
  // Live link: event times are anchored to the wall clock at receipt.
  assert.ok(drone.every((d) => Math.abs(d.ts - Date.now()) < 60_000));
});

test('UDP: a port already in use is explained, not a bare EADDRINUSE', async (t) => {
  const first = createMavlinkSource({ link: { kind: 'udp', port: 0, bindAddress: '127.0.0.1' }, camera: TEST_CAMERA }, { clock: systemClock, logger: silentLogger });
  await first.start(() => undefined);
  t.after(() => first.close());
  const second = createMavlinkSource(
    { link: { kind: 'udp', port: first.address()!.port, bindAddress: '127.0.0.1' }, camera: TEST_CAMERA },
    { clock: systemClock, logger: silentLogger },
  );
  await assert.rejects(second.start(() => undefined), (err: Error & { code?: string }) => err.code === 'FT_PORT_IN_USE');
});

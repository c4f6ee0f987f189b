import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { MavLinkProtocolV2, type MavLinkData } from 'node-mavlink';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { waitFor } from '@fieldtrace/testkit';
import type { Reading } from '../sources/source.js';
import { createMavlinkSource } from './mavlink-source.js';
import { PacketDecoder } from './packet-decoder.js';
import { copterHeartbeat, frameOf, globalPosition, ofKind, TEST_CAMERA } from './test-support.js';

const T0 = Date.UTC(2026, 3, 1, 10, 0, 0);

/** Signs with node-mavlink's own signer, as `sendSigned` does. `atMs` sets the signature timestamp. */
function signed(message: MavLinkData, key: Buffer, atMs: number, linkId = 1): Buffer {
  const protocol = new MavLinkProtocolV2(1, 1, MavLinkProtocolV2.IFLAG_SIGNED);
  return protocol.sign(protocol.serialize(message, 0), linkId, key, atMs);
}

test('with a key: correctly signed frames pass; wrong key, unsigned and replayed frames are dropped and counted', () => {
  const key = randomBytes(32);
  const decoder = new PacketDecoder({ signingKey: key });
  const hb = copterHeartbeat(true, 5);
  assert.ok(decoder.decode(signed(hb, key, T0), T0), 'good signature');
  assert.ok(decoder.decode(signed(hb, key, T0 + 1), T0), 'next timestamp');
  assert.equal(decoder.decode(signed(hb, randomBytes(32), T0 + 2), T0), null, 'signed with another key');
  assert.equal(decoder.decode(frameOf(hb), T0), null, 'unsigned');
  assert.equal(decoder.decode(signed(hb, key, T0 + 1), T0), null, 'replay of an old timestamp');
  const tampered = signed(hb, key, T0 + 3);
  tampered[tampered.length - 1]! ^= 0xff;
  assert.equal(decoder.decode(tampered, T0), null, 'signature bytes altered');
  assert.deepEqual(
    { packets: decoder.counts.packets, signed: decoder.counts.signed, unsigned: decoder.counts.unsigned, bad: decoder.counts['bad-signature'], replayed: decoder.counts.replayed, dropped: decoder.counts['unsigned-dropped'] },
    { packets: 2, signed: 5, unsigned: 1, bad: 2, replayed: 1, dropped: 1 },
  );
});

test('without a key, signed and unsigned frames are both accepted and counted', () => {
  const decoder = new PacketDecoder();
  const key = randomBytes(32);
  assert.ok(decoder.decode(signed(copterHeartbeat(false, 0), key, T0), T0));
  assert.ok(decoder.decode(frameOf(copterHeartbeat(false, 0)), T0));
  assert.equal(decoder.counts.signed, 1);
  assert.equal(decoder.counts.unsigned, 1);
});

test('allowUnsigned keeps unsigned frames but still rejects bad signatures', () => {
  const key = randomBytes(32);
  const decoder = new PacketDecoder({ signingKey: key, allowUnsigned: true });
  assert.ok(decoder.decode(frameOf(copterHeartbeat(false, 0)), T0));
  assert.equal(decoder.decode(signed(copterHeartbeat(false, 0), randomBytes(32), T0), T0), null);
});

test('UDP source with a signing key emits readings only from correctly signed frames', async (t) => {
  const key = randomBytes(32);
  const source = createMavlinkSource(
    { link: { kind: 'udp', port: 0, bindAddress: '127.0.0.1' }, camera: TEST_CAMERA, signingKey: key },
    { clock: systemClock, logger: silentLogger },
  );
  const readings: Reading[] = [];
  await source.start((r) => readings.push(r));
  t.after(() => source.close());
  const intruder = randomBytes(32);
  const datagrams = [
    signed(copterHeartbeat(true, 3), key, T0),
    signed(globalPosition(1000, -35.3622, 149.1657, 5), key, T0 + 1),
    signed(globalPosition(1200, 10, 10, 5), intruder, T0 + 2),
    frameOf(globalPosition(1400, 20, 20, 5)),
    signed(globalPosition(1600, -35.3623, 149.1658, 6), key, T0 + 3),
  ];
  const socket = createSocket('udp4');
  for (const d of datagrams) await new Promise((resolve) => socket.send(d, source.address()!.port, '127.0.0.1', resolve));
  socket.close();
  await waitFor('five frames', () => source.stats().frames === 5);
  assert.deepEqual(ofKind(readings, 'drone').map((d) => [d.lat, d.lon, d.mode]), [[-35.3622, 149.1657, 'AUTO'], [-35.3623, 149.1658, 'AUTO']]);
  const stats = source.stats();
  assert.equal(stats['bad-signature'], 1);
  assert.equal(stats['unsigned-dropped'], 1);
});

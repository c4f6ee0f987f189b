import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { validateUplink, type UplinkKind } from '@fieldtrace/protocol';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { waitFor } from '@fieldtrace/testkit';
import { openQueue, type DurableQueue, type QueueEntry } from '../queue/index.js';
import { createFixBatchFramer } from './framing.js';
import { createUplink, type UplinkOptions } from './mqtt-uplink.js';

type After = { after(fn: () => Promise<void>): void };
interface Received {
  kind: string;
  seqs: number[];
  at: number;
}

/** An aedes broker on loopback that validates every device publish as ingest does and records its seqs. */
async function startBroker(t: After) {
  const aedes = await Aedes.createBroker();
  const received: Received[] = [];
  const invalid: string[] = [];
  aedes.on('publish', (packet, client) => {
    if (!client) return;
    const kind = packet.topic.slice(packet.topic.lastIndexOf('/') + 1) as UplinkKind;
    const value = JSON.parse(packet.payload.toString()) as { seq?: number; fixes?: { seq: number }[] };
    const checked = validateUplink(kind, value);
    if (!checked.ok) invalid.push(`${kind}: ${checked.detail}`);
    received.push({ kind, seqs: value.fixes ? value.fixes.map((f) => f.seq) : [value.seq!], at: Date.now() });
  });
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    aedes.handle(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, received, invalid };
}

const fix = (i: number): QueueEntry => ({ kind: 'fix', body: { ts: 1_763_726_400_000 + i * 1000, lat: 43.7 + i * 1e-6, lon: 7.42, speed: 12.5, heading: 87, fix: '3d', sats: 11 } });

async function queueWith(t: After, fixes: number): Promise<DurableQueue> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-batch-'));
  const queue = await openQueue({ dir, fsync: 'never' }, { logger: silentLogger });
  t.after(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < fixes; i += 1000) await queue.append(Array.from({ length: Math.min(1000, fixes - i) }, (_, k) => fix(i + k)));
  return queue;
}

function startUplink(t: After, queue: DurableQueue, url: string, extra: Partial<UplinkOptions>) {
  const uplink = createUplink(
    {
      mqttUrl: url,
      tenantId: 'acme',
      deviceId: 'truck-1',
      secret: 'batch-test-secret-0123456789',
      protocolVersion: 4,
      maxInFlight: 20,
      drainOrder: 'backlog-first',
      backlogRatePerS: 0,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      keepaliveS: 30,
      lastWill: null,
      framer: createFixBatchFramer({ maxFixes: 100 }),
      ...extra,
    },
    { queue, logger: silentLogger, clock: systemClock },
  );
  t.after(() => uplink.close());
  return uplink;
}

test('a 10,000-fix backlog arrives as full fixes batches that validate, with every seq once and in order', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 10_000);
  const uplink = startUplink(t, queue, broker.url, {});
  await uplink.start();
  await waitFor('backlog acknowledged', () => queue.ackedSeq === 9_999, 20_000);
  assert.deepEqual(broker.invalid, []);
  assert.deepEqual(new Set(broker.received.map((m) => m.kind)), new Set(['fixes']));
  assert.deepEqual(broker.received.map((m) => m.seqs.length), Array.from({ length: 100 }, () => 100), 'full batches only');
  assert.deepEqual(broker.received.flatMap((m) => m.seqs), Array.from({ length: 10_000 }, (_, i) => i));
  assert.equal(uplink.stats().acked, 10_000);
  assert.equal(uplink.stats().published, 100);
});

test('a backlog read cut short mid-run is re-read from the run, so batches stay full', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 6_000);
  // 40 free slots × 150 fixes exceeds the 5,000-record read cap: the first read ends inside a run.
  const uplink = startUplink(t, queue, broker.url, { maxInFlight: 40, framer: createFixBatchFramer({ maxFixes: 150 }) });
  await uplink.start();
  await waitFor('backlog acknowledged', () => queue.ackedSeq === 5_999, 20_000);
  assert.deepEqual(broker.received.map((m) => m.seqs.length), Array.from({ length: 40 }, () => 150));
  assert.deepEqual(broker.received.flatMap((m) => m.seqs), Array.from({ length: 6_000 }, (_, i) => i));
});

test('live fixes wait up to BATCH_MAX_AGE_MS to share a message; another kind sends the held batch at once', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 0);
  const uplink = startUplink(t, queue, broker.url, { batchMaxAgeMs: 400, drainOrder: 'live-first' });
  await uplink.start();
  await waitFor('connected', () => uplink.stats().state === 'connected');
  const firstStored = Date.now();
  for (let i = 0; i < 3; i++) {
    await queue.append([fix(i)]);
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitFor('held batch sent', () => broker.received.length > 0, 3_000);
  assert.deepEqual(broker.received.map((m) => [m.kind, m.seqs]), [['fixes', [0, 1, 2]]]);
  const waited = broker.received[0]!.at - firstStored;
  assert.ok(waited >= 350 && waited < 1_500, `the batch left ${waited} ms after its first fix was stored`);

  await queue.append([fix(3)]);
  await queue.append([fix(4)]);
  const beforeSensor = Date.now();
  await queue.append([{ kind: 'sensor', body: { ts: 1_763_726_500_000, readings: [{ name: 'pto', value: true }] } }]);
  await waitFor('sensor sent', () => broker.received.length >= 3, 3_000);
  assert.ok(broker.received[2]!.at - beforeSensor < 300, 'the sensor reading closed the run and was not held');
  assert.deepEqual(broker.received.slice(1).map((m) => [m.kind, m.seqs]), [['fixes', [3, 4]], ['sensor', [5]]]);
  await waitFor('cursor at the end', () => queue.ackedSeq === 5);
  assert.deepEqual(broker.invalid, []);
});

test('without an age, a live fix goes out alone and at once as a plain fix message', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 0);
  const uplink = startUplink(t, queue, broker.url, { batchMaxAgeMs: 0 });
  await uplink.start();
  await waitFor('connected', () => uplink.stats().state === 'connected');
  const stored = Date.now();
  await queue.append([fix(0)]);
  await waitFor('fix sent', () => broker.received.length > 0, 3_000);
  assert.deepEqual(broker.received.map((m) => [m.kind, m.seqs]), [['fix', [0]]]);
  assert.ok(broker.received[0]!.at - stored < 300);
});

test('a rate-limited backlog waits for tokens enough for a full batch instead of trickling one-fix messages', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 400);
  const uplink = startUplink(t, queue, broker.url, { backlogRatePerS: 200 });
  const started = Date.now();
  await uplink.start();
  await waitFor('backlog acknowledged', () => queue.ackedSeq === 399, 10_000);
  assert.ok(Date.now() - started >= 900, 'the backlog respected 200 records/s after the one-second burst');
  assert.deepEqual(broker.received.map((m) => m.seqs.length), [100, 100, 100, 100]);
  assert.deepEqual(broker.received.flatMap((m) => m.seqs), Array.from({ length: 400 }, (_, i) => i));
});

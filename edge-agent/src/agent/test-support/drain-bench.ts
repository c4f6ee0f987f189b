/**
 * Measures queue append rates and how fast the uplink drains a day of 1 Hz fixes (86,400 records) into an
 * in-process aedes broker over loopback TCP. Run: node edge-agent/dist/agent/test-support/drain-bench.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { openQueue, type FsyncPolicy, type QueueEntry } from '../../queue/index.js';
import { createUplink } from '../../uplink/index.js';

const fixAt = (i: number): QueueEntry => ({
  kind: 'fix',
  body: { ts: 1_763_726_400_000 + i * 1000, lat: 43.7 + i * 1e-6, lon: 7.42, alt: 40, accuracy: 4, speed: 12.5, heading: 87, fix: '3d', sats: 11, hdop: 0.9 },
});

async function appendRate(policy: FsyncPolicy, batch: number, ms: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-'));
  const queue = await openQueue({ dir, fsync: policy, fsyncIntervalMs: 100 }, { logger: silentLogger });
  const start = Date.now();
  let n = 0;
  // Like the agent: one append per reading, not awaited one by one; the queue groups what arrives during a write.
  const pending: Promise<unknown>[] = [];
  while (Date.now() - start < ms) {
    pending.push(queue.append(Array.from({ length: batch }, (_, i) => fixAt(n + i))));
    n += batch;
    if (pending.length >= 1000 / batch) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const rate = Math.round(n / ((Date.now() - start) / 1000));
  await queue.close();
  await rm(dir, { recursive: true, force: true });
  return `append fsync=${policy} batch=${batch}: ${rate} records/s (${queue.stats().fsyncs} fsyncs)`;
}

async function drain(records: number, maxInFlight: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-'));
  const queue = await openQueue({ dir, fsync: 'never', tailCacheRecords: 0 }, { logger: silentLogger });
  for (let i = 0; i < records; i += 1000) await queue.append(Array.from({ length: Math.min(1000, records - i) }, (_, k) => fixAt(i + k)));
  const aedes = await Aedes.createBroker();
  let received = 0;
  aedes.on('publish', (_packet, client) => {
    if (client) received++;
  });
  const server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const uplink = createUplink(
    {
      mqttUrl: `mqtt://127.0.0.1:${port}`,
      tenantId: 'acme',
      deviceId: 'truck-1',
      secret: 'bench-secret-0123456789abcdef',
      protocolVersion: 4,
      maxInFlight,
      drainOrder: 'backlog-first',
      backlogRatePerS: 0,
      reconnectMinMs: 100,
      reconnectMaxMs: 1000,
      keepaliveS: 60,
      lastWill: null,
    },
    { queue, logger: silentLogger, clock: systemClock },
  );
  const start = Date.now();
  await uplink.start();
  while (uplink.stats().ackedThrough < records - 1) await new Promise((r) => setTimeout(r, 20));
  const seconds = (Date.now() - start) / 1000;
  await uplink.close();
  await queue.close();
  server.close();
  await new Promise<void>((r) => aedes.close(() => r()));
  await rm(dir, { recursive: true, force: true });
  return `drain ${records} records (from disk, window ${maxInFlight}): ${seconds.toFixed(2)} s = ${Math.round(records / seconds)} records/s, broker received ${received}`;
}

for (const [policy, batch] of [['always', 1], ['always', 100], ['interval', 1], ['never', 1]] as const) {
  console.log(await appendRate(policy, batch, 1500));
}
for (const window of [100, 500, 2000]) console.log(await drain(86_400, window));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { validateUplink } from '@fieldtrace/protocol';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { waitFor } from '@fieldtrace/testkit';
import { openQueue, type DurableQueue } from '../queue/index.js';
import { createUplink, type UplinkOptions } from './mqtt-uplink.js';

const SECRET = 'uplink-test-secret-0123456789';

interface Broker {
  url: string;
  fixSeqs: number[];
  statuses: unknown[];
  logins: { clientId: string; username: string; password: string; clean: boolean }[];
  kickAll(): void;
}

async function startBroker(t: { after(fn: () => Promise<void>): void }): Promise<Broker> {
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      logins.push({ clientId: client.id, username: username ?? '', password: password?.toString() ?? '', clean: client.clean });
      done(null, password?.toString() === SECRET);
    },
  });
  const logins: Broker['logins'] = [];
  const fixSeqs: number[] = [];
  const statuses: unknown[] = [];
  aedes.on('publish', (packet, client) => {
    if (!client) return;
    const body = JSON.parse(packet.payload.toString()) as { seq: number };
    if (packet.topic === 'ft/acme/d/truck-1/up/fix') fixSeqs.push(body.seq);
    if (packet.topic === 'ft/acme/d/truck-1/up/status') statuses.push(body);
  });
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    aedes.handle(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => aedes.close(() => r()));
  });
  return { url: `mqtt://127.0.0.1:${port}`, fixSeqs, statuses, logins, kickAll: () => sockets.forEach((s) => s.destroy()) };
}

async function queueWith(t: { after(fn: () => Promise<void>): void }, fixes: number): Promise<DurableQueue> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-uplink-'));
  const queue = await openQueue({ dir }, { logger: silentLogger });
  t.after(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });
  if (fixes > 0) await queue.append(Array.from({ length: fixes }, (_, i) => ({ kind: 'fix', body: { ts: 1_763_726_400_000 + i, lat: 43.7, lon: 7.42, fix: '3d' } })));
  return queue;
}

function closedAfter(t: { after(fn: () => Promise<void>): void }, uplink: ReturnType<typeof createUplink>) {
  t.after(() => uplink.close());
  return uplink;
}

function options(url: string, extra: Partial<UplinkOptions> = {}): UplinkOptions {
  return {
    mqttUrl: url,
    tenantId: 'acme',
    deviceId: 'truck-1',
    secret: SECRET,
    protocolVersion: 4,
    maxInFlight: 50,
    drainOrder: 'backlog-first',
    backlogRatePerS: 0,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    keepaliveS: 30,
    lastWill: null,
    ...extra,
  };
}

test('drains the backlog in seq order over a persistent session with the device credentials, then advances the cursor', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 300);
  const uplink = closedAfter(t, createUplink(options(broker.url), { queue, logger: silentLogger, clock: systemClock }));
  await uplink.start();
  await waitFor('backlog delivered', () => broker.fixSeqs.length >= 300);
  assert.deepEqual(broker.fixSeqs, Array.from({ length: 300 }, (_, i) => i));
  assert.deepEqual(broker.logins[0], { clientId: 'acme/d/truck-1', username: 'acme/d/truck-1', password: SECRET, clean: false });
  await waitFor('cursor at the end', () => uplink.stats().ackedThrough === 299);
  assert.equal(queue.ackedSeq, 299);
  await queue.append([{ kind: 'fix', body: { ts: 1_763_726_500_000, lat: 43.7, lon: 7.42, fix: '3d' } }]);
  await waitFor('live record delivered', () => broker.fixSeqs.includes(300));
});

test('live-first sends new records ahead of a rate-limited backlog', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 100);
  const uplink = closedAfter(t, createUplink(options(broker.url, { drainOrder: 'live-first', backlogRatePerS: 50 }), { queue, logger: silentLogger, clock: systemClock }));
  const started = Date.now();
  await uplink.start();
  await waitFor('some backlog out', () => broker.fixSeqs.length > 0);
  await queue.append([{ kind: 'fix', body: { ts: 1_763_726_500_000, lat: 43.7, lon: 7.42, fix: '3d' } }]);
  await waitFor('all delivered', () => broker.fixSeqs.length >= 101, 5000);
  const liveAt = broker.fixSeqs.indexOf(100);
  assert.ok(liveAt >= 0 && liveAt < 100, `live record at position ${liveAt}`);
  assert.ok(Date.now() - started >= 800, 'the backlog respected 50 records/s after the initial one-second burst');
  await waitFor('cursor covers all', () => queue.ackedSeq === 100);
});

test('the last will is a valid DeviceStatus on the status topic with a reserved seq that is never reused', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 5);
  const uplink = closedAfter(t, createUplink(options(broker.url, { lastWill: { firmware: 'ft-1.2.3' } }), { queue, logger: silentLogger, clock: systemClock }));
  await uplink.start();
  await waitFor('backlog delivered', () => broker.fixSeqs.length >= 5);
  broker.kickAll();
  await waitFor('will published', () => broker.statuses.length > 0);
  const will = broker.statuses[0] as { seq: number };
  assert.ok(validateUplink('status', will).ok, JSON.stringify(will));
  assert.equal(will.seq, 5, 'the will took the seq after the backlog');
  await queue.append([{ kind: 'fix', body: { ts: 1_763_726_500_000, lat: 43.7, lon: 7.42, fix: '3d' } }]);
  await waitFor('reconnected and delivered', () => broker.fixSeqs.includes(6), 5000);
  await waitFor('cursor passes the will record', () => queue.ackedSeq === 6);
});

test('wrong credentials stop the uplink instead of hammering the broker; records stay queued', async (t) => {
  const broker = await startBroker(t);
  const queue = await queueWith(t, 3);
  const uplink = closedAfter(t, createUplink(options(broker.url, { secret: 'not-the-secret-0123456789' }), { queue, logger: silentLogger, clock: systemClock }));
  await uplink.start();
  await waitFor('refused', () => uplink.stats().state === 'refused');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(broker.logins.length, 1);
  assert.equal(queue.stats().backlog, 3);
});

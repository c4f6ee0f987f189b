import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { busFilter, uplinkTopic, type Position } from '@fieldtrace/protocol';
import { connectDevice, publishUplink, fix, waitFor, requireServer, uniqueSchema, TEST_DATABASE_URL, TEST_MQTT_URL } from '@fieldtrace/testkit';
import { startIngest } from './test/harness.js';

const NOW = Date.now();

test('against the real PostgreSQL: fixes stored through COPY, replays stored once', async (t) => {
  const skip = await requireServer('PostgreSQL', TEST_DATABASE_URL);
  if (skip.skip) return t.skip(skip.skip);
  const h = await startIngest({ databaseUrl: TEST_DATABASE_URL, schema: uniqueSchema('ingest') });
  t.after(() => h.close());
  let published = 0;
  await h.bus.subscribe(busFilter('position'), () => published++);
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());
  const fixes = Array.from({ length: 200 }, (_, i) => fix(i + 1, NOW + i * 1000, 43.73 + i * 1e-5, 7.42));
  await Promise.all(fixes.map((f) => publishUplink(dev, 't1', 'dev-a', 'fix', f)));
  await Promise.all(fixes.slice(0, 50).map((f) => publishUplink(dev, 't1', 'dev-a', 'fix', f))); // a replayed backlog
  const [row] = await h.db.query<{ n: number; first: Date }>("SELECT count(*)::int AS n, min(ts) AS first FROM positions WHERE device_id = 'dev-a'");
  assert.equal(row!.n, 200);
  assert.equal(row!.first.getTime(), NOW);
  assert.equal(published, 200);
  assert.equal(h.ingest.metrics.duplicate.fix, 50);
  await publishUplink(dev, 't1', 'dev-a', 'fix', '{"v":1}');
  const dead = await h.db.query<{ reason: string }>('SELECT reason FROM dead_letters');
  assert.deepEqual(dead.map((d) => d.reason), ['schema']);
});

test('through the real Mosquitto: ingest subscribes with a shared subscription and stores what devices publish', async (t) => {
  const skip = await requireServer('Mosquitto', TEST_MQTT_URL);
  if (skip.skip) return t.skip(skip.skip);
  const tenant = `mq${process.pid}${Date.now().toString(36)}`;
  const h = await startIngest({ mqttUrl: TEST_MQTT_URL });
  t.after(() => h.close());
  const seen: Position[] = [];
  await h.bus.subscribe(busFilter('position'), (_t, m) => seen.push(m as Position));
  // The device talks to Mosquitto, not to us; Mosquitto authenticates devices in this mode.
  const dev = await mqtt.connectAsync(TEST_MQTT_URL, { clientId: `${tenant}-dev`, protocolVersion: 4 });
  t.after(() => dev.endAsync());
  for (let i = 1; i <= 20; i++) {
    await dev.publishAsync(uplinkTopic(tenant, 'dev-m', 'fix'), JSON.stringify(fix(i, NOW + i, 43.7, 7.4)), { qos: 1 });
  }
  await dev.publishAsync(uplinkTopic(tenant, 'dev-m', 'fix'), 'garbage', { qos: 1 });
  await waitFor('20 positions from Mosquitto', () => seen.length >= 20);
  await h.ingest.drain();
  const [row] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM positions WHERE tenant_id = $1', [tenant]);
  assert.equal(row!.n, 20);
  assert.deepEqual(seen.map((p) => p.seq), Array.from({ length: 20 }, (_, i) => i + 1));
  const dead = await waitFor('the garbage message dead-lettered', () =>
    h.db.query<{ reason: string }>('SELECT reason FROM dead_letters WHERE tenant_id = $1', [tenant]).then((r) => r[0]),
  );
  assert.equal(dead.reason, 'unsupported-encoding');
});

test('through the real Mosquitto: a batch the store refused is not acknowledged, so the broker redelivers it', async (t) => {
  const skip = await requireServer('Mosquitto', TEST_MQTT_URL);
  if (skip.skip) return t.skip(skip.skip);
  const tenant = `mqr${process.pid}${Date.now().toString(36)}`;
  const { openStore } = await import('@fieldtrace/store');
  const { silentLogger } = await import('@fieldtrace/service-kit');
  const inner = await openStore({ pgliteThread: 'inline' }, silentLogger);
  let attempts = 0;
  const flaky = {
    ...inner,
    insertPositions: async (b: Parameters<typeof inner.insertPositions>[0]) => {
      if (++attempts === 1) throw new Error('simulated store outage');
      return inner.insertPositions(b);
    },
  };
  const h = await startIngest({ mqttUrl: TEST_MQTT_URL, db: flaky });
  t.after(async () => { await h.close(); await inner.close(); });
  const dev = await mqtt.connectAsync(TEST_MQTT_URL, { clientId: `${tenant}-dev`, protocolVersion: 4 });
  t.after(() => dev.endAsync());
  await dev.publishAsync(uplinkTopic(tenant, 'dev-m', 'fix'), JSON.stringify(fix(1, NOW, 43.7, 7.4)), { qos: 1 });
  const stored = await waitFor('the redelivered fix stored', () =>
    inner.query<{ n: number }>('SELECT count(*)::int AS n FROM positions WHERE tenant_id = $1', [tenant]).then((r) => r[0]!.n === 1),
    15_000,
  );
  assert.equal(stored, true);
  assert.ok(attempts >= 2, `store attempts: ${attempts}`);
});

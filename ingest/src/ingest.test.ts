import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Position } from '@fieldtrace/protocol';
import { busFilter } from '@fieldtrace/protocol';
import { connectDevice, publishUplink, fix, waitFor } from '@fieldtrace/testkit';
import type { Db, PositionBatch } from '@fieldtrace/store';
import { startIngest } from './test/harness.js';

const NOW = Date.now();

test('a valid fix is stored, acknowledged and published as a position', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const seen: Position[] = [];
  await h.bus.subscribe(busFilter('position'), (_topic, m) => seen.push(m as Position));
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());

  await publishUplink(dev, 't1', 'dev-a', 'fix', fix(1, NOW, 43.7384, 7.4246));

  // The PUBACK has arrived, so the row must already be committed.
  const rows = await h.db.query<{ seq: number; lat: number; ts: Date }>("SELECT seq, lat, ts FROM positions WHERE device_id = 'dev-a'");
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.seq, 1);
  assert.equal(rows[0]!.ts.getTime(), NOW);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.deviceId, 'dev-a');
  assert.equal(seen[0]!.tenantId, 't1');

  // The device's "last seen" follows, written in the background rather than once per message.
  await h.ingest.close();
  const [device] = await h.db.query<{ last_seen_at: Date | null }>("SELECT last_seen_at FROM devices WHERE id = 'dev-a'");
  assert.equal(device!.last_seen_at?.getTime(), h.clock.now());
});

test('a replayed fix is stored once and published once', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  let published = 0;
  await h.bus.subscribe(busFilter('position'), () => published++);
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());
  const f = fix(7, NOW, 43.74, 7.42);
  await publishUplink(dev, 't1', 'dev-a', 'fix', f);
  await publishUplink(dev, 't1', 'dev-a', 'fix', f);
  await Promise.all([publishUplink(dev, 't1', 'dev-a', 'fix', f), publishUplink(dev, 't1', 'dev-a', 'fix', f)]);
  const [row] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM positions');
  assert.equal(row!.n, 1);
  assert.equal(published, 1);
  assert.equal(h.ingest.metrics.duplicate.fix, 3);
});

test('malformed messages go to the dead-letter table with their reason, and the stream goes on', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());

  await publishUplink(dev, 't1', 'dev-a', 'fix', '{"v":1,"seq":'); // truncated JSON
  await publishUplink(dev, 't1', 'dev-a', 'fix', { ...fix(2, NOW, 123.0, 7.4) }); // latitude out of range
  await publishUplink(dev, 't1', 'dev-a', 'fix', { ...fix(3, NOW, 43.7, 7.4), v: 9 }); // a version we do not speak
  await publishUplink(dev, 't1', 'dev-a', 'fix', Buffer.from([0x00, 0x01, 0x02])); // not JSON, no known binary encoding
  await publishUplink(dev, 't1', 'dev-a', 'fix', fix(4, NOW, 43.7, 7.4)); // good one after all that

  const dead = await h.db.query<{ reason: string; detail: string; payload: Uint8Array; device_id: string }>(
    'SELECT reason, detail, payload, device_id FROM dead_letters ORDER BY id',
  );
  assert.deepEqual(dead.map((d) => d.reason), ['bad-json', 'schema', 'unsupported-version', 'unsupported-encoding']);
  assert.match(dead[1]!.detail, /\/lat/);
  assert.equal(Buffer.from(dead[0]!.payload).toString(), '{"v":1,"seq":');
  assert.equal(dead[0]!.device_id, 'dev-a');
  const stored = await h.db.query<{ seq: number }>('SELECT seq FROM positions');
  assert.deepEqual(stored.map((r) => r.seq), [4]);
  assert.equal(h.ingest.metrics.rejected.schema, 1);
  assert.equal(h.ingest.metrics.rejected['bad-json'], 1);
});

test('device A cannot publish as device B', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const a = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => a.endAsync(true));
  const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
  a.publish('ft/t1/d/dev-b/up/fix', JSON.stringify(fix(1, NOW, 43.7, 7.4)), { qos: 1 });
  await closed; // refused by closing the connection: MQTT 3.1.1 has no negative PUBACK

  const stored = await h.db.query("SELECT 1 FROM positions WHERE device_id = 'dev-b'");
  assert.equal(stored.length, 0);
  const dead = await waitFor('the refused publish in dead_letters', () =>
    h.db.query<{ reason: string; device_id: string; topic: string }>('SELECT reason, device_id, topic FROM dead_letters').then((r) => r[0]),
  );
  assert.equal(dead.reason, 'acl');
  assert.equal(dead.device_id, 'dev-a');
  assert.equal(dead.topic, 'ft/t1/d/dev-b/up/fix');
});

test('a device may subscribe to its own downlink only', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const a = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => a.endAsync());
  const own = await a.subscribeAsync('ft/t1/d/dev-a/down/#', { qos: 1 });
  assert.equal(own[0]!.qos, 1);
  // Refused filters come back with SUBACK return code 0x80, which MQTT.js reports as an error.
  await assert.rejects(a.subscribeAsync('ft/t1/d/dev-b/down/#', { qos: 1 }), /Subscribe error/);
  await assert.rejects(a.subscribeAsync('ft/t1/bus/#', { qos: 1 }), /Subscribe error/);
  assert.equal(a.connected, true, 'a refused subscription must not cost the device its connection');
});

test('wrong credentials are refused at connect', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  await assert.rejects(connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', 'not-the-secret-at-all-000000'), /Bad username or password|Not authorized|bad user/i);
  await assert.rejects(connectDevice(h.endpoints.mqttUrl, 't1', 'no-such-device', h.secrets['dev-a']!), /Bad username or password|Not authorized|bad user/i);
});

test('the PUBACK waits until the fix is committed', async (t) => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const inner = await (await import('@fieldtrace/store')).openStore({ pgliteThread: 'inline' }, (await import('@fieldtrace/service-kit')).silentLogger);
  const gated: Db = { ...inner, kind: inner.kind, insertPositions: async (b: PositionBatch) => { await gate; return inner.insertPositions(b); } };
  const h = await startIngest({ db: gated });
  t.after(async () => { await h.close(); await inner.close(); });
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());

  let acked = false;
  const publish = publishUplink(dev, 't1', 'dev-a', 'fix', fix(1, NOW, 43.7, 7.4)).then(() => (acked = true));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(acked, false, 'acknowledged before the store committed');
  open();
  await publish;
  assert.equal(acked, true);
});

test('/metrics reports accepted, duplicate and rejected counts in Prometheus text', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());
  await publishUplink(dev, 't1', 'dev-a', 'fix', fix(1, NOW, 43.7, 7.4));
  await publishUplink(dev, 't1', 'dev-a', 'fix', fix(1, NOW, 43.7, 7.4));
  await publishUplink(dev, 't1', 'dev-a', 'status', { v: 1, seq: 2, ts: NOW, firmware: '1.0.0', backlog: 0 });
  await publishUplink(dev, 't1', 'dev-a', 'fix', 'nope');
  const text = await (await fetch(h.endpoints.metricsUrl)).text();
  assert.match(text, /ft_ingest_accepted_total\{kind="fix"\} 1/);
  assert.match(text, /ft_ingest_accepted_total\{kind="status"\} 1/);
  assert.match(text, /ft_ingest_duplicate_total\{kind="fix"\} 1/);
  assert.match(text, /ft_ingest_rejected_total\{reason="unsupported-encoding"\} 1/);
  assert.match(text, /ft_ingest_connected_devices 1/);
});

test('devices can connect over MQTT-over-WebSocket', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const dev = await connectDevice(h.endpoints.mqttWsUrl!, 't1', 'dev-b', h.secrets['dev-b']!);
  t.after(() => dev.endAsync());
  await publishUplink(dev, 't1', 'dev-b', 'fix', fix(1, NOW, 43.7, 7.4));
  const rows = await h.db.query("SELECT 1 FROM positions WHERE device_id = 'dev-b'");
  assert.equal(rows.length, 1);
});

test('a batch of fixes is stored fix by fix, acknowledged once all are committed, and replays dedupe per fix', async (t) => {
  const h = await startIngest();
  t.after(() => h.close());
  const seen: Position[] = [];
  await h.bus.subscribe(busFilter('position'), (_topic, m) => seen.push(m as Position));
  const dev = await connectDevice(h.endpoints.mqttUrl, 't1', 'dev-a', h.secrets['dev-a']!);
  t.after(() => dev.endAsync());
  const fixes = Array.from({ length: 300 }, (_, i) => fix(i + 1, NOW + i * 1000, 43.73 + i * 1e-5, 7.42));
  await publishUplink(dev, 't1', 'dev-a', 'fixes', { v: 1, fixes });
  const [row] = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM positions WHERE device_id = 'dev-a'");
  assert.equal(row!.n, 300);
  assert.deepEqual(seen.map((p) => p.seq), fixes.map((f) => f.seq));
  // The second half again plus 10 new ones: only the new ones are stored and published.
  const more = Array.from({ length: 10 }, (_, i) => fix(301 + i, NOW + (300 + i) * 1000, 43.74, 7.42));
  await publishUplink(dev, 't1', 'dev-a', 'fixes', { v: 1, fixes: [...fixes.slice(150), ...more] });
  const [after] = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM positions WHERE device_id = 'dev-a'");
  assert.equal(after!.n, 310);
  assert.equal(seen.length, 310);
  assert.equal(h.ingest.metrics.duplicate.fix, 150);
  // One bad fix spoils the message: it is dead-lettered whole, nothing of it stored.
  await publishUplink(dev, 't1', 'dev-a', 'fixes', { v: 1, fixes: [fix(400, NOW, 43.7, 7.4), { ...fix(401, NOW, 43.7, 7.4), lat: 99 }] });
  const dead = await h.db.query<{ reason: string; detail: string }>('SELECT reason, detail FROM dead_letters');
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.detail, /fixes\/1\/lat/);
});

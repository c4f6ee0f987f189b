import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@fieldtrace/service-kit';
import { requireServer, uniqueSchema, TEST_DATABASE_URL } from '@fieldtrace/testkit';
import { openStore, emptyPositionBatch, dropExpiredPartitions, ensurePartitions, type Db, type PositionBatch } from './index.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 21, 12);

function batch(rows: [device: string, seq: number, ts: number][]): PositionBatch {
  const b = emptyPositionBatch();
  for (const [device, seq, ts] of rows) {
    b.tenantId.push('t1'); b.deviceId.push(device); b.seq.push(seq); b.ts.push(ts); b.receivedAt.push(ts + 100);
    b.lat.push(43.7); b.lon.push(7.4); b.alt.push(null); b.accuracy.push(4.5); b.speed.push(null); b.heading.push(90);
    b.fix.push('3d'); b.sats.push(8); b.hdop.push(null);
  }
  return b;
}

async function behaves(db: Db) {
  // A batch stores each new row once, reports which rows it stored, and a replay stores nothing.
  const first = batch([['a', 1, NOW], ['a', 2, NOW + 1000], ['b', 1, NOW], ['a', 2, NOW + 1000]]);
  assert.deepEqual([...(await db.insertPositions(first))], [1, 1, 1, 0]);
  assert.deepEqual([...(await db.insertPositions(first))], [0, 0, 0, 0]);
  const rows = await db.query<{ device_id: string; seq: number; ts: Date; accuracy: number; speed: number | null }>(
    'SELECT device_id, seq, ts, accuracy, speed FROM positions ORDER BY device_id, seq',
  );
  assert.deepEqual(rows.map((r) => [r.device_id, r.seq, r.ts.getTime()]), [['a', 1, NOW], ['a', 2, NOW + 1000], ['b', 1, NOW]]);
  assert.equal(rows[0]!.accuracy, 4.5);
  assert.equal(rows[0]!.speed, null);

  // Today's rows land in today's daily partition, not in the default one.
  const [part] = await db.query<{ p: string }>("SELECT tableoid::regclass::text AS p FROM positions WHERE device_id = 'b'");
  assert.match(part!.p, /positions_p20261121$/);

  // Partitions past the retention are dropped with their rows; recent ones stay.
  await ensurePartitions(db, silentLogger, NOW - 40 * DAY, 0, 0);
  await db.insertPositions(batch([['old', 1, NOW - 40 * DAY]]));
  const dropped = await dropExpiredPartitions(db, silentLogger, NOW, 30);
  assert.ok(dropped.some((d) => d.endsWith('positions_p20261012')), `dropped: ${dropped.join(', ')}`);
  assert.equal((await db.query("SELECT 1 FROM positions WHERE device_id = 'old'")).length, 0);
  assert.equal((await db.query('SELECT 1 FROM positions')).length, 3);
}

test('PGlite: idempotent batched inserts, daily partitions and retention', async (t) => {
  const db = await openStore({ pgliteThread: 'inline', now: NOW }, silentLogger);
  t.after(() => db.close());
  await behaves(db);
});

test('PGlite on its worker thread answers like the inline one, errors included', async (t) => {
  const db = await openStore({ now: NOW }, silentLogger);
  t.after(() => db.close());
  await behaves(db);
  await assert.rejects(db.query('SELECT * FROM no_such_table'), (err: Error & { code?: string }) => err.code === '42P01');
});

test('PostgreSQL: the same behaviour through COPY', async (t) => {
  const skip = await requireServer('PostgreSQL', TEST_DATABASE_URL);
  if (skip.skip) return t.skip(skip.skip);
  const schema = uniqueSchema('store');
  const db = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, now: NOW }, silentLogger);
  t.after(async () => {
    await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
  });
  await behaves(db);
});

test('migrations are applied once: reopening a database changes nothing', async (t) => {
  const skip = await requireServer('PostgreSQL', TEST_DATABASE_URL);
  if (skip.skip) return t.skip(skip.skip);
  const schema = uniqueSchema('migr');
  const a = await openStore({ databaseUrl: TEST_DATABASE_URL, schema }, silentLogger);
  const b = await openStore({ databaseUrl: TEST_DATABASE_URL, schema }, silentLogger);
  t.after(async () => {
    await b.close();
    await a.exec(`DROP SCHEMA "${schema}" CASCADE`);
    await a.close();
  });
  const versions = await b.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(versions.map((v) => v.version), [1, 2, 3, 4, 5, 6]);
});

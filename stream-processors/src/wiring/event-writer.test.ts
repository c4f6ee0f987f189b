import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WIRE_VERSION, type GeofenceEvent } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { createEventWriter } from './event-writer.js';
import { T0 } from '../test-support/tracks.js';

/** Records each query's row count; fails the first `failures` calls. */
function fakeDb(failures = 0): { db: Db; batches: number[] } {
  const batches: number[] = [];
  let calls = 0;
  const db = {
    kind: 'pglite',
    async query(sql: string, params: unknown[] = []) {
      calls++;
      if (calls <= failures) throw new Error('connection reset');
      assert.match(sql, /^INSERT INTO events .* ON CONFLICT \(id\) DO NOTHING$/s);
      batches.push(params.length / 10);
      return [];
    },
  } as unknown as Db;
  return { db, batches };
}

function event(i: number): GeofenceEvent {
  return {
    v: WIRE_VERSION, id: `gf:t:d:f:enter:${T0 + i}`, tenantId: 't', deviceId: 'd', geofenceId: 'f',
    transition: 'enter', ts: T0 + i, lat: 53, lon: -3, late: false,
  };
}

test('events are written in multi-row batches of at most 200, not one INSERT each', async () => {
  const { db, batches } = fakeDb();
  const writer = createEventWriter(db, silentLogger, { flushIntervalMs: 10_000, maxBatch: 200, maxPending: 1000 });
  for (let i = 0; i < 450; i++) writer.add(event(i));
  await writer.flush();
  assert.deepEqual(batches, [200, 200, 50]);
  assert.equal(writer.stats().stored, 450);
});

test('the timer writes a partial batch; a failed write is retried without losing or reordering events', async () => {
  const { db, batches } = fakeDb(1);
  const writer = createEventWriter(db, silentLogger, { flushIntervalMs: 20, maxBatch: 200, maxPending: 1000 });
  writer.start();
  for (let i = 0; i < 3; i++) writer.add(event(i));
  const deadline = Date.now() + 2000;
  while (writer.stats().stored < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await writer.close();
  assert.deepEqual(batches, [3]);
  const s = writer.stats();
  assert.equal(s.flushErrors, 1);
  assert.equal(s.stored, 3);
  assert.equal(s.pending, 0);
});

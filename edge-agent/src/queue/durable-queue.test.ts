import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@fieldtrace/service-kit';
import { openQueue, type QueueOptions } from './durable-queue.js';
import type { QueueEntry } from './queue-record.js';
import { readAckCursor } from './ack-cursor.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-queue-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function fixes(n: number, t0 = 1_763_726_400_000): QueueEntry[] {
  return Array.from({ length: n }, (_, i) => ({ kind: 'fix', body: { ts: t0 + i * 1000, lat: 43.7 + i * 1e-4, lon: 7.42, fix: '3d' } }));
}

async function readAll(q: Awaited<ReturnType<typeof openQueue>>, from = 0) {
  const out = await q.read(from, 1_000_000);
  return out.records.map((r) => JSON.parse(r.body) as { ts: number; v: number; seq: number });
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
}

const open = (dir: string, extra: Partial<QueueOptions> = {}) => openQueue({ dir, ...extra }, { logger: silentLogger });

test('stamps v and consecutive seqs at append and reads them back in order after reopening', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  const stored = await q.append(fixes(3));
  await q.append(fixes(2, 1_763_800_000_000));
  assert.deepEqual(stored.map((r) => r.seq), [0, 1, 2]);
  await q.close();
  const again = await open(dir, { tailCacheRecords: 0 });
  const all = await readAll(again);
  assert.deepEqual(all.map((r) => r.seq), [0, 1, 2, 3, 4]);
  assert.deepEqual(all.map((r) => r.v), [1, 1, 1, 1, 1]);
  assert.equal(all[3]!.ts, 1_763_800_000_000, 'the original event time survives');
  await again.close();
});

test('a torn tail (partial record) is truncated and every complete record survives', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  await q.append(fixes(10));
  await q.close();
  const [segment] = await segmentFiles(dir);
  const goodSize = (await stat(join(dir, segment!))).size;
  const partial = Buffer.alloc(20);
  partial.writeUInt32LE(150, 0); // claims 150 payload bytes, only 12 follow: the write was cut by a crash
  await appendFile(join(dir, segment!), partial);
  const again = await open(dir, { tailCacheRecords: 0 });
  assert.deepEqual((await readAll(again)).map((r) => r.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(again.stats().truncatedBytes, 20);
  assert.equal((await stat(join(dir, segment!))).size, goodSize);
  assert.equal((await again.append(fixes(1)))[0]!.seq, 10, 'the next seq follows the last good record');
  assert.equal(again.stats().corruptRegions, 0);
  await again.close();
});

test('a complete last record with a bad CRC is a torn tail too; garbage bytes likewise', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  await q.append(fixes(5));
  await q.close();
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const bytes = await readFile(path);
  bytes[bytes.length - 3]! ^= 0xff; // flip a byte inside the last payload
  await writeFile(path, Buffer.concat([bytes, Buffer.from('garbage!')]));
  const again = await open(dir, { tailCacheRecords: 0 });
  assert.deepEqual((await readAll(again)).map((r) => r.seq), [0, 1, 2, 3]);
  assert.equal(again.nextSeq, 4, 'seq 4 was never stored intact, so it was never sent and may be assigned again');
  await again.close();
});

test('a corrupt record in the middle is skipped, counted and reported — never silently', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir, { segmentBytes: 1024, maxBytes: 1 << 20 });
  await q.append(fixes(10));
  await q.append(fixes(10));
  await q.close();
  const [first] = await segmentFiles(dir);
  for (const name of [first!]) {
    const path = join(dir, name);
    const bytes = await readFile(path);
    bytes[30]! ^= 0x55; // inside the first record's payload
    await writeFile(path, bytes);
  }
  const again = await open(dir, { segmentBytes: 1024, maxBytes: 1 << 20, tailCacheRecords: 0 });
  const seqs = (await readAll(again)).map((r) => r.seq);
  assert.equal(seqs.length, 19);
  assert.ok(!seqs.includes(0), 'the damaged record is not delivered');
  assert.equal(again.stats().corruptRegions, 1);
  await again.close();
});

test('the queue stays under maxBytes by evicting the oldest segments, and counts the unacknowledged records lost', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir, { segmentBytes: 2048, maxBytes: 4096 });
  for (let i = 0; i < 20; i++) await q.append(fixes(5));
  const stats = q.stats();
  assert.ok(stats.bytes <= 4096 + 2048, `bytes ${stats.bytes}`);
  assert.ok(stats.evictedRecords > 0);
  const left = await q.read(0, 1000);
  assert.equal(left.records.length + stats.evictedRecords, 100, 'every record is either still queued or counted as evicted');
  assert.equal(left.records[0]!.seq, stats.evictedRecords);
  await q.close();
});

test('acknowledged segments are deleted without counting as evictions, and the ack cursor is persisted', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir, { segmentBytes: 1024, maxBytes: 1 << 20 });
  for (let i = 0; i < 10; i++) await q.append(fixes(5));
  const before = (await segmentFiles(dir)).length;
  q.ack(39);
  await q.flush();
  assert.equal(await readAckCursor(dir), 39);
  assert.ok((await segmentFiles(dir)).length < before);
  assert.equal(q.stats().evictedRecords, 0);
  assert.equal(q.stats().backlog, 10);
  await q.close();
  const again = await open(dir);
  assert.equal(again.ackedSeq, 39);
  assert.equal((await again.read(40, 100)).records[0]!.seq, 40, 'the backlog is what follows the cursor');
  await again.close();
});

test('seqs are never reused across reopen, even when every segment is gone', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  await q.append(fixes(5));
  q.ack(4);
  await q.close();
  for (const name of await segmentFiles(dir)) await rm(join(dir, name));
  const again = await open(dir);
  assert.equal((await again.append(fixes(1)))[0]!.seq, 5);
  await again.close();
  const third = await open(dir);
  assert.equal((await third.append(fixes(1)))[0]!.seq, 6);
  await third.close();
});

test('fsync policy: always syncs every batch, never syncs nothing, interval makes records readable only once synced', async (t) => {
  const dir = await tempDir(t);
  const always = await open(join(dir, 'a'), { fsync: 'always' });
  await always.append(fixes(3));
  await always.append(fixes(3));
  assert.equal(always.stats().fsyncs, 2);
  await always.close();

  const never = await open(join(dir, 'n'), { fsync: 'never' });
  await never.append(fixes(3));
  assert.equal(never.stats().fsyncs, 0);
  assert.equal(never.storedNextSeq, 3);
  await never.close();

  const interval = await open(join(dir, 'i'), { fsync: 'interval', fsyncIntervalMs: 150 });
  const started = Date.now();
  const appended = interval.append(fixes(3));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(interval.storedNextSeq, 0, 'written but not yet synced: not readable, so never sent');
  assert.equal((await interval.read(0, 10)).records.length, 0);
  await appended;
  assert.ok(Date.now() - started >= 100);
  assert.equal(interval.stats().fsyncs, 1);
  assert.equal((await interval.read(0, 10)).records.length, 3);
  await interval.close();
});

test('concurrent appends are grouped into one write and keep call order', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  const results = await Promise.all(Array.from({ length: 50 }, () => q.append(fixes(2))));
  assert.deepEqual(results.flat().map((r) => r.seq), Array.from({ length: 100 }, (_, i) => i));
  assert.ok(q.stats().appendBatches < 50, `batches ${q.stats().appendBatches}`);
  await q.close();
});

test('an oversized record is refused on its own and takes no seq', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  const huge = q.append([{ kind: 'image', body: { ts: 1_763_726_400_000, blob: 'x'.repeat(2 * 1024 * 1024) } }]);
  const fine = q.append(fixes(1));
  await assert.rejects(huge, { code: 'FT_QUEUE_RECORD_TOO_LARGE' });
  assert.equal((await fine)[0]!.seq, 0);
  await q.close();
});

test('damage in the middle of the last segment is found at open, counted, and the records after it are kept', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  for (let i = 0; i < 5; i++) await q.append(fixes(1));
  await q.close();
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const bytes = await readFile(path);
  const recordBytes = bytes.length / 5;
  bytes[2 * recordBytes + 20]! ^= 0x01; // one flipped bit in record seq 2
  await writeFile(path, bytes);
  const again = await open(dir, { tailCacheRecords: 0 });
  assert.equal(again.stats().corruptRegions, 1);
  assert.equal(again.stats().truncatedBytes, 0);
  assert.deepEqual((await readAll(again)).map((r) => r.seq), [0, 1, 3, 4]);
  assert.equal(again.nextSeq, 5);
  await again.close();
});

test('reading from disk crosses chunk boundaries and resumes where the previous read stopped', async (t) => {
  const dir = await tempDir(t);
  const q = await open(dir);
  await q.append(fixes(3000)); // ~400 KiB: larger than one 256 KiB read chunk
  await q.close();
  const again = await open(dir, { tailCacheRecords: 0 });
  const seqs: number[] = [];
  for (let from = 0; from < 3000; ) {
    const { records, resumeAt } = await again.read(from, 700);
    seqs.push(...records.map((r) => r.seq));
    from = resumeAt;
  }
  assert.deepEqual(seqs, Array.from({ length: 3000 }, (_, i) => i));
  await again.close();
});

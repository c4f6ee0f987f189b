import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import type { Logger } from '@fieldtrace/service-kit';
import { writeAckCursor } from './ack-cursor.js';
import { encodePayload, stampRecord, type QueueEntry, type QueueRecord } from './queue-record.js';
import { encodeFrames, MAX_RECORD_BYTES } from './record-frame.js';
import { recoverLog } from './recovery.js';
import type { FsyncPolicy, ReadResult, Segment } from './segment.js';
import { fsyncDir, segmentName } from './segment-files.js';
import { SegmentReader } from './segment-reader.js';
import { TailCache } from './tail-cache.js';
import { QueueBoundTooSmall, RecordTooLarge } from './queue-errors.js';
import { createQueueStats, type QueueStats } from './queue-stats.js';

export interface QueueOptions {
  dir: string;
  /** A segment is closed and a new one started once it would exceed this. */
  segmentBytes: number;
  /** Bound on all segments together; beyond it the oldest segment is evicted, acknowledged or not (counted). */
  maxBytes: number;
  /** `always`: fsync each append batch before it counts as stored; `interval`: every fsyncIntervalMs; `never`: leave it to the OS. */
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  /** How often the ack cursor is persisted; a crash resends at most this much acknowledged data (deduped by seq). */
  ackFlushMs: number;
  /** …or as soon as this many more records were acknowledged: a fast drain then resends little after a crash. */
  ackFlushRecords: number;
  /** Recently stored records kept in memory, so live records and short backlogs are sent without disk reads. */
  tailCacheRecords: number;
}

export const DEFAULT_QUEUE_OPTIONS: Omit<QueueOptions, 'dir'> = {
  segmentBytes: 4 * 1024 * 1024,
  maxBytes: 512 * 1024 * 1024,
  fsync: 'always',
  fsyncIntervalMs: 1000,
  ackFlushMs: 500,
  ackFlushRecords: 1000,
  tailCacheRecords: 10_000,
};

export interface DurableQueue {
  /** Stamps `v` and the next seqs (birth order = call order), writes, and resolves once stored per the fsync policy. */
  append(entries: readonly QueueEntry[]): Promise<QueueRecord[]>;
  /** Stored records with `from <= seq < until` (default: all stored), at most `max`, in seq order. */
  read(from: number, max: number, until?: number): Promise<ReadResult>;
  /** Every record with seq <= `throughSeq` was acknowledged by the broker. Persisted within ackFlushMs. */
  ack(throughSeq: number): void;
  /** Called after records become stored (readable); returns an unsubscribe function. */
  onStored(listener: () => void): () => void;
  readonly nextSeq: number;
  /** Seq after the last stored record: the uplink never reads past it, so nothing unstored is ever sent. */
  readonly storedNextSeq: number;
  readonly ackedSeq: number;
  stats(): QueueStats;
  /** fsyncs what was written and persists the ack cursor. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Waiter {
  records: QueueRecord[];
  payloads: Buffer[];
  resolve(records: QueueRecord[]): void;
  reject(err: unknown): void;
}

export async function openQueue(partial: Partial<QueueOptions> & { dir: string }, deps: { logger: Logger }): Promise<DurableQueue> {
  const options: QueueOptions = { ...DEFAULT_QUEUE_OPTIONS, ...partial };
  if (options.maxBytes < 2 * options.segmentBytes) throw QueueBoundTooSmall([options.maxBytes, options.segmentBytes]);
  const log = deps.logger.child({ queueDir: options.dir });
  const recovered = await recoverLog(options.dir, log);
  const segments: Segment[] = recovered.segments;
  const stats = createQueueStats(recovered);
  let active = segments[segments.length - 1]!;
  let handle: FileHandle = await open(active.path, 'r+');
  let nextSeq = recovered.nextSeq;
  let storedNextSeq = nextSeq;
  let storedBytes = active.bytes;
  let ackedSeq = recovered.ackedSeq;
  let persistedAck = ackedSeq;
  let pending: Waiter[] = [];
  let unsynced: Waiter[] = [];
  let writeScheduled = false;
  let closed = false;
  let lock: Promise<unknown> = Promise.resolve();
  const listeners = new Set<() => void>();
  const tail = new TailCache(options.tailCacheRecords, nextSeq);
  const reader = new SegmentReader((report) => {
    stats.corruptRegions++;
    stats.corruptBytes += report.bytes;
    log.error(report, 'queue segment has a corrupt region; its records are skipped');
  });

  /** Appends, fsyncs, rolls and evictions run one at a time, in order. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = lock.then(fn, fn);
    lock = run.catch(() => undefined);
    return run;
  }

  function markStored(waiters: Waiter[]): void {
    if (waiters.length === 0) return;
    storedBytes = active.bytes;
    for (const w of waiters) {
      tail.push(w.records);
      storedNextSeq = w.records[w.records.length - 1]!.seq + 1;
      w.resolve(w.records);
    }
    for (const listener of listeners) listener();
  }

  async function syncUnsynced(): Promise<void> {
    if (unsynced.length === 0) return;
    const waiters = unsynced;
    unsynced = [];
    await handle.datasync();
    stats.fsyncs++;
    markStored(waiters);
  }

  async function roll(firstSeq: number): Promise<void> {
    if (options.fsync !== 'never') {
      await handle.datasync();
      stats.fsyncs++;
      markStored(unsynced.splice(0));
    }
    await handle.close();
    const path = join(options.dir, segmentName(firstSeq));
    handle = await open(path, 'w+');
    if (options.fsync !== 'never') await fsyncDir(options.dir);
    active = { firstSeq, path, bytes: 0 };
    segments.push(active);
    storedBytes = 0;
  }

  async function evictOverBound(): Promise<void> {
    let total = segments.reduce((sum, s) => sum + s.bytes, 0);
    while (total > options.maxBytes && segments.length > 1) {
      const oldest = segments.shift()!;
      total -= oldest.bytes;
      const nextFirst = segments[0]!.firstSeq;
      const unacked = Math.max(0, nextFirst - Math.max(oldest.firstSeq, ackedSeq + 1));
      stats.evictedSegments++;
      stats.evictedRecords += unacked;
      ackedSeq = Math.max(ackedSeq, nextFirst - 1);
      await unlink(oldest.path);
      if (unacked > 0) log.warn({ unacked, firstSeq: oldest.firstSeq, maxBytes: options.maxBytes }, 'queue full: evicted oldest unacknowledged records');
    }
  }

  async function writePending(): Promise<void> {
    writeScheduled = false;
    const waiters = pending;
    pending = [];
    if (waiters.length === 0) return;
    const records = waiters.flatMap((w) => w.records);
    try {
      const frames = encodeFrames(waiters.flatMap((w) => w.payloads));
      if (active.bytes > 0 && active.bytes + frames.length > options.segmentBytes) await roll(records[0]!.seq);
      await handle.write(frames, 0, frames.length, active.bytes);
      active.bytes += frames.length;
      stats.appended += records.length;
      stats.appendBatches++;
      if (options.fsync === 'always') {
        await handle.datasync();
        stats.fsyncs++;
        markStored(waiters);
      } else if (options.fsync === 'never') {
        markStored(waiters);
      } else {
        unsynced.push(...waiters);
      }
      await evictOverBound();
    } catch (err) {
      // The seqs stay consumed (never reused); the next write overwrites any partial frame at the same offset.
      stats.appendFailures += records.length;
      log.error({ err, records: records.length }, 'queue append failed');
      for (const w of waiters) w.reject(err);
    }
  }

  async function persistAck(): Promise<void> {
    if (ackedSeq === persistedAck) return;
    const target = ackedSeq;
    await writeAckCursor(options.dir, target);
    persistedAck = target;
    stats.ackWrites++;
    // Segments whose every record is acknowledged are garbage, not evictions.
    while (segments.length > 1 && segments[1]!.firstSeq - 1 <= persistedAck) {
      const done = segments.shift()!;
      await unlink(done.path).catch(() => undefined);
    }
  }

  let ackFlushing: Promise<void> | null = null;
  function flushAck(): Promise<void> {
    ackFlushing ??= serial(persistAck).finally(() => (ackFlushing = null));
    return ackFlushing;
  }
  /** A flush already under way may persist an older cursor: wait for it, then persist the latest. */
  async function flushAckLatest(): Promise<void> {
    await ackFlushing?.catch(() => undefined);
    await flushAck();
  }
  const ackTimer = setInterval(() => {
    flushAck().catch((err: unknown) => log.error({ err }, 'could not persist the ack cursor'));
  }, options.ackFlushMs);
  ackTimer.unref();
  // Not unref'd: appends awaiting their fsync must keep the process alive; close() clears it.
  const syncTimer =
    options.fsync === 'interval'
      ? setInterval(() => {
          serial(syncUnsynced).catch((err: unknown) => log.error({ err }, 'queue fsync failed'));
        }, options.fsyncIntervalMs)
      : null;

  if (recovered.ackedSeq >= 0 || recovered.truncatedBytes > 0) {
    log.info({ nextSeq, ackedSeq, backlog: Math.max(0, nextSeq - 1 - ackedSeq), truncatedBytes: recovered.truncatedBytes }, 'queue recovered');
  }

  return {
    append(entries) {
      if (closed) return Promise.reject(new Error('queue is closed'));
      if (entries.length === 0) return Promise.resolve([]);
      // Checked per call, before seqs are taken, so one oversized reading cannot fail a whole group commit.
      const records = entries.map((entry, i) => stampRecord(nextSeq + i, entry));
      const payloads = records.map(encodePayload);
      const oversized = payloads.find((p) => p.length > MAX_RECORD_BYTES);
      if (oversized) return Promise.reject(RecordTooLarge([oversized.length, MAX_RECORD_BYTES]));
      nextSeq += records.length;
      return new Promise<QueueRecord[]>((resolve, reject) => {
        pending.push({ records, payloads, resolve, reject });
        if (!writeScheduled) {
          writeScheduled = true;
          void serial(writePending);
        }
      });
    },
    async read(requested, max, until = storedNextSeq) {
      // Evicted seqs are gone even if the tail cache still holds them: stats must match what is delivered.
      const from = Math.max(requested, segments[0]!.firstSeq);
      const end = Math.min(until, storedNextSeq);
      if (from >= end || max <= 0) return { records: [], resumeAt: Math.max(requested, Math.min(from, end)) };
      const cached = tail.read(from, max, end);
      if (cached) return cached;
      const snapshot = segments.slice();
      const activeFirst = active.firstSeq;
      const durable = storedBytes;
      return reader.read(snapshot, (s) => (s.firstSeq === activeFirst ? durable : s.bytes), from, max, end);
    },
    ack(throughSeq) {
      if (throughSeq <= ackedSeq) return;
      ackedSeq = Math.min(throughSeq, storedNextSeq - 1);
      if (ackedSeq - persistedAck >= options.ackFlushRecords && !closed) {
        flushAck().catch((err: unknown) => log.error({ err }, 'could not persist the ack cursor'));
      }
    },
    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get nextSeq() {
      return nextSeq;
    },
    get storedNextSeq() {
      return storedNextSeq;
    },
    get ackedSeq() {
      return ackedSeq;
    },
    stats() {
      const bytes = segments.reduce((sum, s) => sum + s.bytes, 0);
      const oldest = segments[0]!.firstSeq;
      const backlog = Math.max(0, storedNextSeq - Math.max(ackedSeq + 1, oldest));
      return { ...stats, nextSeq, storedNextSeq, ackedSeq, persistedAckSeq: persistedAck, bytes, segments: segments.length, backlog };
    },
    async flush() {
      await serial(syncUnsynced);
      await flushAckLatest();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(ackTimer);
      if (syncTimer) clearInterval(syncTimer);
      await serial(async () => undefined);
      await serial(syncUnsynced);
      await flushAckLatest();
      await handle.close();
    },
  };
}

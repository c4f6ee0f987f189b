import type { GeofenceEvent, TripEvent } from '@fieldtrace/protocol';
import type { Db } from '@fieldtrace/store';
import type { Logger } from '@fieldtrace/service-kit';

export interface EventWriterOptions {
  flushIntervalMs: number;
  maxBatch: number;
  /** Beyond this many unwritten events (database down), the oldest are dropped and counted. */
  maxPending: number;
}

export const DEFAULT_WRITER_OPTIONS: EventWriterOptions = { flushIntervalMs: 25, maxBatch: 200, maxPending: 100_000 };

export interface EventWriterStats {
  stored: number;
  pending: number;
  flushes: number;
  flushErrors: number;
  dropped: number;
}

export interface EventWriter {
  add(event: StoredEvent): void;
  /** Writes everything added so far (waits for a write already under way). */
  flush(): Promise<void>;
  start(): void;
  close(): Promise<void>;
  stats(): EventWriterStats;
}

/** What the processors record in the `events` log: geofence transitions and trip/stop/idle boundaries. */
export type StoredEvent = GeofenceEvent | TripEvent;

const COLUMNS_PER_ROW = 10;
const sqlBySize = new Map<number, string>();

/** One multi-row INSERT per batch; ids are deterministic, so a retried or replayed batch stores each event once. */
function insertSql(rows: number): string {
  let sql = sqlBySize.get(rows);
  if (sql) return sql;
  const values: string[] = [];
  for (let r = 0; r < rows; r++) {
    const p = r * COLUMNS_PER_ROW;
    values.push(
      `($${p + 1}, $${p + 2}, $${p + 3}, to_timestamp($${p + 4}::float8 / 1000), $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8}, $${p + 9}, $${p + 10}::jsonb)`,
    );
  }
  sql = `INSERT INTO events (id, tenant_id, kind, ts, device_id, vehicle_id, job_id, geofence_id, late, data) VALUES ${values.join(', ')} ON CONFLICT (id) DO NOTHING`;
  sqlBySize.set(rows, sql);
  return sql;
}

/**
 * Batches geofence and trip events into the `events` table: what one event-loop turn produced is written when the
 * turn ends, and whatever arrives during a write is the next batch (at most maxBatch rows); flushIntervalMs is the
 * retry period after a failed write.
 * `onStored` sees each batch after it is committed: events are announced only once they are in the event log,
 * so what the live map showed can always be found again, and a crash loses nothing that was announced.
 */
export function createEventWriter(
  db: Db,
  logger: Logger,
  opts: EventWriterOptions = DEFAULT_WRITER_OPTIONS,
  onStored: (batch: readonly StoredEvent[]) => void = () => undefined,
): EventWriter {
  let pending: StoredEvent[] = [];
  let inFlight: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let scheduled = false;
  const stats: EventWriterStats = { stored: 0, pending: 0, flushes: 0, flushErrors: 0, dropped: 0 };

  async function writeBatch(batch: StoredEvent[]): Promise<void> {
    const params: unknown[] = [];
    for (const e of batch) {
      if ('transition' in e) {
        params.push(e.id, e.tenantId, 'geofence', e.ts, e.deviceId, e.vehicleId ?? null, e.jobId ?? null, e.geofenceId, e.late, JSON.stringify(e));
      } else {
        params.push(e.id, e.tenantId, 'trip', e.ts, e.deviceId, e.vehicleId ?? null, null, null, false, JSON.stringify(e));
      }
    }
    try {
      await db.query(insertSql(batch.length), params);
    } catch (err) {
      requeue(err, batch);
      return;
    }
    stats.stored += batch.length;
    stats.flushes++;
    onStored(batch);
  }

  /** Puts a failed batch back in front, in order, for the next flush; past the cap drops the oldest, loudly. */
  function requeue(err: unknown, batch: StoredEvent[]): void {
    stats.flushErrors++;
    pending = batch.concat(pending);
    const excess = pending.length - opts.maxPending;
    if (excess > 0) {
      pending.splice(0, excess);
      stats.dropped += excess;
    }
    logger.warn({ err, rows: batch.length, pending: pending.length, dropped: stats.dropped }, 'event write failed; will retry');
  }

  function drain(): Promise<void> {
    if (inFlight) return inFlight;
    if (pending.length === 0) return Promise.resolve();
    const errorsBefore = stats.flushErrors;
    const batch = pending.length <= opts.maxBatch ? pending : pending.slice(0, opts.maxBatch);
    pending = batch === pending ? [] : pending.slice(opts.maxBatch);
    inFlight = writeBatch(batch).finally(() => {
      inFlight = null;
      // What arrived during the write goes straight away as the next batch; after a failure the timer retries.
      if (pending.length > 0 && stats.flushErrors === errorsBefore) void drain();
    });
    return inFlight;
  }

  /** Writes what one turn of the event loop produced as soon as that turn ends: batching without a timer's delay. */
  function schedule(): void {
    if (scheduled || inFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void drain();
    });
  }

  async function flush(): Promise<void> {
    // Bounded: each round writes one batch or fails; a failing database ends the loop instead of spinning.
    const errorsBefore = stats.flushErrors;
    while (inFlight || pending.length > 0) {
      await drain();
      if (stats.flushErrors !== errorsBefore) return;
    }
  }

  return {
    add(event) {
      pending.push(event);
      if (pending.length >= opts.maxBatch && !inFlight) void drain();
      else schedule();
    },
    flush,
    start() {
      timer ??= setInterval(() => {
        if (pending.length > 0 && !inFlight) void drain();
      }, opts.flushIntervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      await flush();
      if (pending.length > 0) logger.error({ lost: pending.length }, 'events not written at shutdown');
    },
    stats() {
      stats.pending = pending.length;
      return { ...stats };
    },
  };
}

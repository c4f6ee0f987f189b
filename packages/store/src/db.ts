/**
 * What every service sees of the database, whichever engine is behind it. Rows come back with int8 as
 * number (sequence numbers stay below 2^53) and timestamptz as Date, on both engines.
 */
export interface Statement {
  sql: string;
  params?: unknown[];
}

export interface Db {
  readonly kind: 'postgres' | 'pglite';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several parameterised statements in one transaction; one row array per statement. */
  transaction(statements: Statement[]): Promise<unknown[][]>;
  /** Runs a script of statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Stores fixes idempotently on (tenant, device, seq, ts). Returns one byte per row: 1 if this call stored it,
   * 0 if it was already there (a replay) or repeated earlier in the same batch.
   */
  insertPositions(batch: PositionBatch): Promise<Uint8Array>;
  /** Same contract for the other uplink kinds, kept as JSON documents. */
  insertDeviceMessages(batch: MessageBatch): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * A batch in columns, not rows: it is built by pushing into arrays on the ingest hot path, crosses to the
 * PGlite worker with one structured clone, and maps straight onto `unnest($1::text[], ...)` or COPY.
 */
export interface PositionBatch {
  tenantId: string[];
  deviceId: string[];
  seq: number[];
  ts: number[];
  receivedAt: number[];
  lat: number[];
  lon: number[];
  alt: (number | null)[];
  accuracy: (number | null)[];
  speed: (number | null)[];
  heading: (number | null)[];
  fix: string[];
  sats: (number | null)[];
  hdop: (number | null)[];
}

export interface MessageBatch {
  tenantId: string[];
  deviceId: string[];
  kind: string[];
  seq: number[];
  ts: number[];
  receivedAt: number[];
  /** JSON text of the whole validated message. */
  body: string[];
}

export function emptyPositionBatch(): PositionBatch {
  return {
    tenantId: [], deviceId: [], seq: [], ts: [], receivedAt: [], lat: [], lon: [],
    alt: [], accuracy: [], speed: [], heading: [], fix: [], sats: [], hdop: [],
  };
}

export function emptyMessageBatch(): MessageBatch {
  return { tenantId: [], deviceId: [], kind: [], seq: [], ts: [], receivedAt: [], body: [] };
}

/**
 * Marks which rows of a batch a `RETURNING tenant_id, device_id, [kind,] seq` reported as stored. Only the first
 * occurrence of a key counts, so a message repeated inside one batch is reported stored once.
 */
export function markStored(
  n: number,
  keyOf: (i: number) => string,
  returned: ReadonlyArray<Record<string, unknown>>,
  returnedKey: (row: Record<string, unknown>) => string,
): Uint8Array {
  const stored = new Uint8Array(n);
  if (returned.length === 0) return stored;
  const keys = new Set<string>();
  for (const row of returned) keys.add(returnedKey(row));
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (keys.delete(k)) stored[i] = 1;
  }
  return stored;
}

export const positionKey = (b: PositionBatch) => (i: number) => `${b.tenantId[i]}\u0000${b.deviceId[i]}\u0000${b.seq[i]}`;
export const messageKey = (b: MessageBatch) => (i: number) =>
  `${b.tenantId[i]}\u0000${b.deviceId[i]}\u0000${b.kind[i]}\u0000${b.seq[i]}`;
export const returnedPositionKey = (r: Record<string, unknown>) => `${r.tenant_id}\u0000${r.device_id}\u0000${Number(r.seq)}`;
export const returnedMessageKey = (r: Record<string, unknown>) =>
  `${r.tenant_id}\u0000${r.device_id}\u0000${r.kind}\u0000${Number(r.seq)}`;

/** The unnest form of the batch insert, used by PGlite (PostgreSQL uses COPY into a staging table instead). */
export const INSERT_POSITIONS_UNNEST = /* sql */ `
INSERT INTO positions (tenant_id, device_id, seq, ts, received_at, lat, lon, alt, accuracy, speed, heading, fix, sats, hdop)
SELECT t, d, s, to_timestamp(ts / 1000.0), to_timestamp(ra / 1000.0), la, lo, al, ac, sp, he, fx, sa, hd
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
            $8::real[], $9::real[], $10::real[], $11::real[], $12::text[], $13::smallint[], $14::real[])
  AS u(t, d, s, ts, ra, la, lo, al, ac, sp, he, fx, sa, hd)
ON CONFLICT DO NOTHING
RETURNING tenant_id, device_id, seq`;

export const INSERT_MESSAGES_UNNEST = /* sql */ `
INSERT INTO device_messages (tenant_id, device_id, kind, seq, ts, received_at, body)
SELECT t, d, k, s, to_timestamp(ts / 1000.0), to_timestamp(ra / 1000.0), b::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[], $6::float8[], $7::text[])
  AS u(t, d, k, s, ts, ra, b)
ON CONFLICT DO NOTHING
RETURNING tenant_id, device_id, kind, seq`;

export function positionParams(b: PositionBatch): unknown[] {
  return [b.tenantId, b.deviceId, b.seq, b.ts, b.receivedAt, b.lat, b.lon, b.alt, b.accuracy, b.speed, b.heading, b.fix, b.sats, b.hdop];
}

export function messageParams(b: MessageBatch): unknown[] {
  return [b.tenantId, b.deviceId, b.kind, b.seq, b.ts, b.receivedAt, b.body];
}

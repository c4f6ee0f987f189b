import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import {
  markStored, positionKey, returnedPositionKey, messageKey, returnedMessageKey,
  INSERT_MESSAGES_UNNEST, messageParams,
  type Db, type PositionBatch, type MessageBatch, type Statement,
} from './db.js';

// int8 as number: sequence numbers and counts stay below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PostgresOptions {
  url: string;
  /** A schema to work in (created if missing); tests use one each so they can run side by side. */
  schema?: string;
  poolSize?: number;
}

const STAGE_DDL = /* sql */ `
CREATE TEMP TABLE IF NOT EXISTS positions_stage (LIKE positions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;

const MOVE_STAGED = /* sql */ `
INSERT INTO positions SELECT * FROM positions_stage ON CONFLICT DO NOTHING RETURNING tenant_id, device_id, seq`;

const COPY_POSITIONS = `COPY positions_stage (tenant_id, device_id, seq, ts, received_at, lat, lon, alt, accuracy, speed, heading, fix, sats, hdop) FROM STDIN`;

export async function openPostgres(opts: PostgresOptions, logger: Logger): Promise<Db> {
  if (opts.schema) {
    // Create the schema on a throwaway connection, then give every pooled connection its search_path at
    // startup (a SET after connecting would race the first query on that connection).
    const admin = new pg.Client({ connectionString: opts.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(opts.schema)}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 4,
    ...(opts.schema ? { options: `-c search_path=${opts.schema},public` } : {}),
  });
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL connection failed'));

  async function withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }

  async function inTransaction<T>(c: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
    await c.query('BEGIN');
    try {
      const out = await fn();
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: unknown[]) {
      const r = await pool.query(sql, params);
      return r.rows as T[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    transaction(statements: Statement[]) {
      return withClient((c) =>
        inTransaction(c, async () => {
          const out: unknown[][] = [];
          for (const s of statements) out.push((await c.query(s.sql, s.params)).rows);
          return out;
        }),
      );
    },
    insertPositions(b: PositionBatch) {
      const n = b.seq.length;
      if (n === 0) return Promise.resolve(new Uint8Array(0));
      return withClient((c) =>
        inTransaction(c, async () => {
          await c.query(STAGE_DDL);
          await copyIn(c, COPY_POSITIONS, positionsTsv(b));
          const r = await c.query(MOVE_STAGED);
          return markStored(n, positionKey(b), r.rows, returnedPositionKey);
        }),
      );
    },
    async insertDeviceMessages(b: MessageBatch) {
      const n = b.seq.length;
      if (n === 0) return new Uint8Array(0);
      const r = await pool.query(INSERT_MESSAGES_UNNEST, messageParams(b));
      return markStored(n, messageKey(b), r.rows, returnedMessageKey);
    },
    async close() {
      await pool.end();
    },
  };
}

function copyIn(c: pg.PoolClient, sql: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = c.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(body);
  });
}

/** COPY text format (PostgreSQL docs, "COPY ... File Formats"): tab-separated, `\N` for NULL, one row per line. */
function positionsTsv(b: PositionBatch): string {
  let out = '';
  const n = b.seq.length;
  for (let i = 0; i < n; i++) {
    out +=
      copyText(b.tenantId[i]!) + '\t' + copyText(b.deviceId[i]!) + '\t' + b.seq[i] + '\t' +
      new Date(b.ts[i]!).toISOString() + '\t' + new Date(b.receivedAt[i]!).toISOString() + '\t' +
      b.lat[i] + '\t' + b.lon[i] + '\t' + nullable(b.alt[i]) + '\t' + nullable(b.accuracy[i]) + '\t' +
      nullable(b.speed[i]) + '\t' + nullable(b.heading[i]) + '\t' + b.fix[i] + '\t' + nullable(b.sats[i]) + '\t' +
      nullable(b.hdop[i]) + '\n';
  }
  return out;
}

function nullable(v: number | null | undefined): string {
  return v === null || v === undefined ? '\\N' : String(v);
}

// Ids are restricted to [A-Za-z0-9_-] by the protocol, so only the fix label could ever need escaping; keep the
// escape for safety anyway (backslash, tab, newline, carriage return).
function copyText(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]!) : s;
}

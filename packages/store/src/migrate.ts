import type { Logger } from 'pino';
import type { Db } from './db.js';
import { migrations, type ServerCaps } from './migrations.js';

// Any constant will do; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK = 7_474_011;

/**
 * Applies pending migrations in order, each in its own transaction. On PostgreSQL an advisory lock makes
 * concurrent starters (ingest and core-api coming up together) wait for one another instead of racing.
 */
export async function migrate(db: Db, logger: Logger, opts: { retentionDays: number }): Promise<number[]> {
  if (db.kind === 'postgres') await db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const pending = migrations.filter((m) => !done.has(m.version));
    if (pending.length === 0) return [];
    const caps: ServerCaps = { timescale: await enableTimescale(db, logger), retentionDays: opts.retentionDays };
    for (const m of pending) {
      const sql = typeof m.up === 'string' ? m.up : m.up(caps);
      await db.exec(`BEGIN;\n${sql}\nINSERT INTO schema_migrations (version, name) VALUES (${m.version}, '${m.name.replace(/'/g, "''")}');\nCOMMIT;`);
      logger.info({ version: m.version, migration: m.name, timescale: caps.timescale }, 'migration applied');
    }
    return pending.map((m) => m.version);
  } finally {
    if (db.kind === 'postgres') await db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

async function enableTimescale(db: Db, logger: Logger): Promise<boolean> {
  if (db.kind !== 'postgres') return false;
  const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
  if (available.length === 0) return false;
  try {
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return true;
  } catch (err) {
    // Installed but not preloaded (shared_preload_libraries): fall back to native partitioning, and say so.
    logger.warn({ err }, 'timescaledb is installed but cannot be enabled; using native partitioning');
    return false;
  }
}

const DAY_MS = 86_400_000;

/**
 * Native partitioning only: creates the daily partitions from `behindDays` ago to `aheadDays` ahead.
 * Rows outside them land in the DEFAULT partition, so a partition is only ever created for days the
 * default holds nothing of (creating one over rows already in the default would fail).
 */
export async function ensurePartitions(db: Db, logger: Logger, now: number, behindDays = 1, aheadDays = 7): Promise<void> {
  const [hyper] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid WHERE c.relname = 'positions' AND c.relnamespace = to_regnamespace(current_schema())",
  );
  if (!hyper || hyper.n === 0) return; // a hypertable: TimescaleDB makes its own chunks
  for (const table of ['positions', 'device_messages']) {
    for (let d = -behindDays; d <= aheadDays; d++) {
      const from = new Date(Math.floor(now / DAY_MS) * DAY_MS + d * DAY_MS);
      const to = new Date(from.getTime() + DAY_MS);
      const name = `${table}_p${from.toISOString().slice(0, 10).replace(/-/g, '')}`;
      try {
        await db.exec(
          `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${table} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
        );
      } catch (err) {
        logger.warn({ err, partition: name }, 'partition not created; its rows stay in the default partition');
      }
    }
  }
}

/**
 * Native partitioning only: drops daily partitions whose whole day is older than `retentionDays` (TimescaleDB does
 * this itself with its retention policy). Rows that landed in the DEFAULT partition are not expired here.
 */
export async function dropExpiredPartitions(db: Db, logger: Logger, now: number, retentionDays: number): Promise<string[]> {
  const cutoff = new Date(now - retentionDays * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
  const children = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname IN ('positions', 'device_messages') AND p.relnamespace = to_regnamespace(current_schema())`,
  );
  const dropped: string[] = [];
  for (const { name } of children) {
    const m = /_p(\d{8})$/.exec(name);
    // A partition covers [day, day + 1): expired when the day itself is before the cutoff day.
    if (!m || m[1]! >= cutoff) continue;
    await db.exec(`DROP TABLE IF EXISTS ${name}`);
    dropped.push(name);
  }
  if (dropped.length > 0) logger.info({ dropped, retentionDays }, 'expired telemetry partitions dropped');
  return dropped;
}

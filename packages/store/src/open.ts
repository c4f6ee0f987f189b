import type { Logger } from 'pino';
import type { Db } from './db.js';
import { openPostgres } from './postgres-db.js';
import { openPgliteWorker } from './pglite-rpc.js';
import { openPgliteInThread } from './pglite-db.js';
import { migrate, ensurePartitions } from './migrate.js';

export interface StoreOptions {
  /** PostgreSQL/TimescaleDB URL; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined keeps the database in memory (tests). */
  dataDir?: string | undefined;
  /** PostgreSQL schema to use (tests run one each). */
  schema?: string | undefined;
  /** PGlite on a worker thread (default) or in the calling thread. */
  pgliteThread?: 'worker' | 'inline';
  retentionDays?: number;
  now?: number;
}

/** Opens the configured engine and brings its schema up to date. */
export async function openStore(opts: StoreOptions, logger: Logger): Promise<Db> {
  const db = opts.databaseUrl
    ? await openPostgres({ url: opts.databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) }, logger)
    : opts.pgliteThread === 'inline'
      ? await openPgliteInThread(opts.dataDir)
      : await openPgliteWorker(opts.dataDir);
  try {
    await migrate(db, logger, { retentionDays: opts.retentionDays ?? 90 });
    await ensurePartitions(db, logger, opts.now ?? Date.now());
  } catch (err) {
    await db.close();
    throw err;
  }
  logger.info({ engine: db.kind, dataDir: opts.databaseUrl ? undefined : (opts.dataDir ?? 'memory') }, 'store ready');
  return db;
}

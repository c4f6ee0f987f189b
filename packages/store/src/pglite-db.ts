import { PGlite, types } from '@electric-sql/pglite';
import {
  markStored, positionKey, returnedPositionKey, messageKey, returnedMessageKey,
  INSERT_POSITIONS_UNNEST, INSERT_MESSAGES_UNNEST, positionParams, messageParams,
  type Db, type PositionBatch, type MessageBatch, type Statement,
} from './db.js';

/**
 * PGlite (PostgreSQL compiled to WASM) in this thread. `dataDir` undefined means in memory.
 * Use `openPgliteWorker` in services: PGlite computes on the thread that calls it, and the ingest thread
 * has better things to do.
 */
export async function openPgliteInThread(dataDir: string | undefined): Promise<Db> {
  const pg = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    parsers: { [types.INT8]: (v: string) => Number(v) },
  });

  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: unknown[]) {
      return (await pg.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
    transaction(statements: Statement[]) {
      return pg.transaction(async (tx) => {
        const out: unknown[][] = [];
        for (const s of statements) out.push((await tx.query(s.sql, s.params)).rows);
        return out;
      });
    },
    async insertPositions(b: PositionBatch) {
      const n = b.seq.length;
      if (n === 0) return new Uint8Array(0);
      const r = await pg.query<Record<string, unknown>>(INSERT_POSITIONS_UNNEST, positionParams(b));
      return markStored(n, positionKey(b), r.rows, returnedPositionKey);
    },
    async insertDeviceMessages(b: MessageBatch) {
      const n = b.seq.length;
      if (n === 0) return new Uint8Array(0);
      const r = await pg.query<Record<string, unknown>>(INSERT_MESSAGES_UNNEST, messageParams(b));
      return markStored(n, messageKey(b), r.rows, returnedMessageKey);
    },
    async close() {
      await pg.close();
    },
  };
}

import { Worker } from 'node:worker_threads';
import type { Db, MessageBatch, PositionBatch, Statement } from './db.js';

export type WorkerRequest =
  | { id: number; op: 'query'; sql: string; params?: unknown[] }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'transaction'; statements: Statement[] }
  | { id: number; op: 'insertPositions'; batch: PositionBatch }
  | { id: number; op: 'insertDeviceMessages'; batch: MessageBatch }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; result?: unknown; error?: { message: string; code?: string | undefined; detail?: string | undefined } };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** The database error as it happened in the worker, with PostgreSQL's SQLSTATE `code` kept for callers to match. */
export class PgliteWorkerError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  constructor(e: NonNullable<WorkerReply['error']>) {
    super(e.message);
    this.name = 'PgliteWorkerError';
    this.code = e.code;
    this.detail = e.detail;
  }
}

/**
 * PGlite on its own thread: the WASM engine's CPU time (most of the cost of storing a batch) runs beside the
 * broker instead of inside its event loop. Requests are answered in order, so callers see one connection.
 */
export async function openPgliteWorker(dataDir: string | undefined): Promise<Db> {
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let failed: Error | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.error) p.reject(new PgliteWorkerError(reply.error));
    else p.resolve(reply.result);
  });
  const failAll = (err: Error) => {
    failed = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`PGlite worker exited with code ${code}`)));
  await ready;

  function call<T>(req: DistributiveOmit<WorkerRequest, 'id'>): Promise<T> {
    if (failed) return Promise.reject(failed);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  }

  return {
    kind: 'pglite',
    query: <T>(sql: string, params?: unknown[]) => call<T[]>({ op: 'query', sql, ...(params ? { params } : {}) }),
    exec: (sql: string) => call<void>({ op: 'exec', sql }),
    transaction: (statements: Statement[]) => call<unknown[][]>({ op: 'transaction', statements }),
    insertPositions: (batch: PositionBatch) => call<Uint8Array>({ op: 'insertPositions', batch }),
    insertDeviceMessages: (batch: MessageBatch) => call<Uint8Array>({ op: 'insertDeviceMessages', batch }),
    async close() {
      if (!failed) await call<void>({ op: 'close' }).catch(() => undefined);
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

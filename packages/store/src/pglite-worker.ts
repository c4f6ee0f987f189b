import { parentPort, workerData } from 'node:worker_threads';
import { openPgliteInThread } from './pglite-db.js';
import type { Db } from './db.js';
import type { WorkerReply, WorkerRequest } from './pglite-rpc.js';

/** Worker entry: owns one PGlite instance and answers requests from `pglite-rpc.ts` in arrival order. */
const port = parentPort!;
const db: Db = await openPgliteInThread((workerData as { dataDir?: string }).dataDir);

async function run(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'query':
      return db.query(req.sql, req.params);
    case 'exec':
      return db.exec(req.sql);
    case 'transaction':
      return db.transaction(req.statements);
    case 'insertPositions':
      return db.insertPositions(req.batch);
    case 'insertDeviceMessages':
      return db.insertDeviceMessages(req.batch);
    case 'close':
      return db.close();
  }
}

port.on('message', (req: WorkerRequest) => {
  run(req).then(
    (result) => port.postMessage({ id: req.id, result } satisfies WorkerReply),
    (err: Error & { code?: string; detail?: string }) =>
      port.postMessage({ id: req.id, error: { message: err.message, code: err.code, detail: err.detail } } satisfies WorkerReply),
  );
});
port.postMessage({ id: 0, result: 'ready' } satisfies WorkerReply);

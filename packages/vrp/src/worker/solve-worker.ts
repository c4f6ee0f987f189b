import { parentPort } from 'node:worker_threads';
import { solveVroom } from '../solver/solve.js';
import { VROOM_INTERNAL_ERROR, type VroomOutput } from '../vroom/schema.js';
import type { SolveRequest } from './solve-in-worker.js';

/**
 * Worker thread entry (see solveInWorker): solves one problem and posts VROOM's output back. A solver exception is
 * answered as VROOM answers an internal error, `{code: 1, error}`, so the caller always gets VROOM output.
 */
parentPort?.once('message', async (request: SolveRequest) => {
  let output: VroomOutput;
  try {
    output = await solveVroom(request.input, request.options);
  } catch (err) {
    output = { code: VROOM_INTERNAL_ERROR, error: `Internal error: ${err instanceof Error ? err.message : String(err)}` };
  }
  parentPort?.postMessage(output);
});

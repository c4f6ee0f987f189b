import { parentPort } from 'node:worker_threads';
import type { SolveRequest } from './solve-in-worker.js';

/**
 * A stand-in solver worker for solveInWorker's failure tests, misbehaving as the first vehicle's `description` says:
 * 'hang' (a busy loop that never yields, as a runaway solver would), 'throw' (an uncaught exception), 'exit' (the
 * thread ends without answering).
 */
parentPort?.once('message', (request: SolveRequest) => {
  const behaviour = request.input.vehicles[0]?.description;
  if (behaviour === 'hang') for (;;);
  if (behaviour === 'throw') throw new Error('solver blew up');
  if (behaviour === 'exit') process.exit(3);
});

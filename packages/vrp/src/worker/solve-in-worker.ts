import { Worker } from 'node:worker_threads';
import type { solveVroom } from '../solver/solve.js';
import { VROOM_INTERNAL_ERROR, type VroomErrorOutput, type VroomInput, type VroomOutput } from '../vroom/schema.js';

/** The embedded solver's options (time budget, seed, objective...), as solveVroom takes them. */
export type EmbeddedSolveOptions = Parameters<typeof solveVroom>[1];

/** What the worker receives. */
export interface SolveRequest {
  input: VroomInput;
  options: EmbeddedSolveOptions;
}

/** The solver's options plus how the worker is run; only the solver's part crosses to the worker. */
export interface WorkerSolveOptions extends EmbeddedSolveOptions {
  /**
   * Time the worker gets beyond the solver's budget before it is terminated: building the model, constructing the
   * first solution and writing the output are not all inside the budget, and a worker starts in ~30 ms. Default
   * 1000 ms + 25% of the budget.
   */
  graceMs?: number;
  /** Terminates the worker (and answers `{code: 1}`) when aborted, e.g. because the HTTP client went away. */
  signal?: AbortSignal;
  /** The worker script; tests substitute one that hangs or crashes. Default: solve-worker.js beside this module. */
  workerUrl?: URL;
}

const SOLVE_WORKER = new URL('./solve-worker.js', import.meta.url);

function internalError(error: string): VroomErrorOutput {
  return { code: VROOM_INTERNAL_ERROR, error };
}

/**
 * Runs the embedded solver in its own worker thread, so a solve of several seconds never blocks the caller's event
 * loop (the API and the stream processors answer other work meanwhile). One worker per solve: a worker starts in tens
 * of milliseconds against solves of seconds, and a crashed or runaway solve takes nothing else down with it.
 *
 * Always resolves with VROOM output: the solver's, or `{code: 1, error}` when the worker throws, exits, is aborted or
 * overruns `budgetMs + graceMs` (it is terminated then).
 */
export function solveInWorker(input: VroomInput, opts: WorkerSolveOptions): Promise<VroomOutput> {
  const { graceMs: _grace, signal: _signal, workerUrl: _url, ...options } = opts;
  const budgetMs = options.budgetMs ?? 0;
  const graceMs = opts.graceMs ?? 1000 + Math.round(budgetMs / 4);
  if (opts.signal?.aborted) return Promise.resolve(internalError('Solve aborted before it started.'));

  return new Promise<VroomOutput>((resolve) => {
    const worker = new Worker(opts.workerUrl ?? SOLVE_WORKER);
    let settled = false;
    const finish = (output: VroomOutput) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(output);
      // Whatever the outcome, the thread goes: its heap holds the whole model.
      void worker.terminate();
    };
    const onAbort = () => finish(internalError('Solve aborted.'));
    const timer = setTimeout(
      () => finish(internalError(`Solver did not finish within its ${budgetMs} ms budget + ${graceMs} ms grace; stopped.`)),
      budgetMs + graceMs,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (output: VroomOutput) => finish(output));
    worker.once('error', (err) => finish(internalError(`Solver worker failed: ${err.message}`)));
    worker.once('exit', (code) => finish(internalError(`Solver worker exited (code ${code}) without an answer.`)));
    const request: SolveRequest = { input, options };
    worker.postMessage(request);
  });
}

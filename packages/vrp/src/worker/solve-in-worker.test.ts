import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFeasibility } from '../vroom/feasibility.js';
import { depotProblem } from '../vroom/test-problems.js';
import type { VroomInput } from '../vroom/schema.js';
import { solveInWorker } from './solve-in-worker.js';

const FIXTURES = new URL('./worker-fixtures.js', import.meta.url);

function misbehaving(description: string): VroomInput {
  return { vehicles: [{ id: 1, start: [0, 0], description }], jobs: [{ id: 1, location: [0, 0.01] }] };
}

test('a problem solved in a worker thread comes back as a feasible VROOM solution, the event loop turning meanwhile', async () => {
  const input = depotProblem();
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const started = performance.now();
  const output = await solveInWorker(input, { budgetMs: 400 });
  const elapsed = performance.now() - started;
  clearInterval(ticker);
  assert.equal(output.code, 0, JSON.stringify(output));
  assert.deepEqual(checkFeasibility(input, output), []);
  // Had the solve run on this thread, no timer could have fired until it returned.
  assert.ok(ticks >= (elapsed / 10) * 0.5, `${ticks} ticks of 10 ms in ${elapsed.toFixed(0)} ms`);
});

test('VROOM input errors from the solver pass through unchanged', async () => {
  const output = await solveInWorker({ vehicles: [{ id: 1, start: [0, 0] }], jobs: [{ id: 1, location: [0, 1] }, { id: 1, location: [0, 2] }] }, { budgetMs: 100 });
  assert.equal(output.code, 2);
  assert.match('error' in output ? output.error : '', /Duplicate job id/i);
});

test('a solver that overruns its budget is terminated and answered as an internal error', async () => {
  const started = performance.now();
  const output = await solveInWorker(misbehaving('hang'), { budgetMs: 100, graceMs: 100, workerUrl: FIXTURES });
  const elapsed = performance.now() - started;
  assert.equal(output.code, 1);
  assert.match('error' in output ? output.error : '', /did not finish within its 100 ms budget \+ 100 ms grace/);
  assert.ok(elapsed < 1500, `answered after ${elapsed.toFixed(0)} ms`);
});

test('a worker that throws or exits without answering is an internal error, not a rejected promise', async () => {
  const thrown = await solveInWorker(misbehaving('throw'), { budgetMs: 1000, workerUrl: FIXTURES });
  assert.equal(thrown.code, 1);
  assert.match('error' in thrown ? thrown.error : '', /solver blew up/);
  const exited = await solveInWorker(misbehaving('exit'), { budgetMs: 1000, workerUrl: FIXTURES });
  assert.equal(exited.code, 1);
  assert.match('error' in exited ? exited.error : '', /exited \(code 3\)/);
});

test('aborting stops the worker at once', async () => {
  const controller = new AbortController();
  const started = performance.now();
  const pending = solveInWorker(misbehaving('hang'), { budgetMs: 10_000, workerUrl: FIXTURES, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const output = await pending;
  assert.equal(output.code, 1);
  assert.match('error' in output ? output.error : '', /aborted/);
  assert.ok(performance.now() - started < 2000);
});

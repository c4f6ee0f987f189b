import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { seededRandom, sharedFixture } from '@fieldtrace/testkit';
import { checkFeasibility } from '../vroom/feasibility.js';
import { expectVroomSolution, type VroomInput } from '../vroom/schema.js';
import { parseSolomon, solomonDistance, solomonToVroom } from './solomon.js';
import { solveVroom } from './solve.js';

/**
 * Optimality where it can be proved (brute force on tiny problems), closeness to the best-known solution on a real
 * benchmark, and determinism.
 */

interface Tiny {
  input: VroomInput;
  optimum: number;
}

/**
 * A random problem of n jobs and 2 identical vehicles (time windows, capacity), with its optimum by brute force:
 * every order of the jobs cut once into two routes, simulated here independently of the solver.
 */
function tinyProblem(rnd: () => number, n: number): Tiny | null {
  const pts = Array.from({ length: n + 1 }, () => [Math.floor(rnd() * 100), Math.floor(rnd() * 100)] as const);
  const d = pts.map((a) => pts.map((b) => Math.round(Math.hypot(a[0] - b[0], a[1] - b[1]))));
  const demand = Array.from({ length: n + 1 }, (_, i) => (i === 0 ? 0 : 1 + Math.floor(rnd() * 4)));
  const tw = Array.from({ length: n + 1 }, () => {
    const a = Math.floor(rnd() * 250);
    return [a, a + 40 + Math.floor(rnd() * 120)] as [number, number];
  });
  const service = 10;
  const capacity = 10;
  const horizon = 400;
  const routeCost = (seq: number[]): number => {
    if (seq.length === 0) return 0;
    let load = 0;
    for (const j of seq) load += demand[j]!;
    if (load > capacity) return Infinity;
    let t = 0;
    let prev = 0;
    let cost = 0;
    for (const j of seq) {
      cost += d[prev]![j]!;
      t = Math.max(t + d[prev]![j]!, tw[j]![0]);
      if (t > tw[j]![1]) return Infinity;
      t += service;
      prev = j;
    }
    cost += d[prev]![0]!;
    return t + d[prev]![0]! <= horizon ? cost : Infinity;
  };
  let optimum = Infinity;
  const perm = Array.from({ length: n }, (_, i) => i + 1);
  const permute = (k: number): void => {
    if (k === n) {
      for (let cut = 0; cut <= n; cut++) optimum = Math.min(optimum, routeCost(perm.slice(0, cut)) + routeCost(perm.slice(cut)));
      return;
    }
    for (let i = k; i < n; i++) {
      [perm[k], perm[i]] = [perm[i]!, perm[k]!];
      permute(k + 1);
      [perm[k], perm[i]] = [perm[i]!, perm[k]!];
    }
  };
  permute(0);
  if (optimum === Infinity) return null;
  const input: VroomInput = {
    vehicles: [1, 2].map((id) => ({ id, start_index: 0, end_index: 0, capacity: [capacity], time_window: [0, horizon] as [number, number] })),
    jobs: Array.from({ length: n }, (_, i) => ({ id: i + 1, location_index: i + 1, service, delivery: [demand[i + 1]!], time_windows: [tw[i + 1]!] })),
    matrices: { car: { durations: d } },
  };
  return { input, optimum };
}

describe('solution quality', () => {
  it('finds the brute-force optimum of small problems (up to 7 jobs, 2 vehicles, time windows, capacity)', () => {
    const rnd = seededRandom(3);
    let checked = 0;
    while (checked < 8) {
      const tiny = tinyProblem(rnd, 5 + (checked % 3));
      if (tiny === null) continue;
      const out = expectVroomSolution(solveVroom(tiny.input, { iterations: 300, budgetMs: 5000, seed: checked }));
      assert.deepEqual(checkFeasibility(tiny.input, out), []);
      assert.equal(out.unassigned.length, 0);
      assert.equal(out.summary.cost, tiny.optimum, `problem ${checked}`);
      checked++;
    }
  });

  it('gets within 2 % of the best-known distance on Solomon C101 in 1 s, feasibly', () => {
    const inst = parseSolomon(readFileSync(sharedFixture('benchmarks/vrptw/solomon/C101.txt'), 'utf8'));
    const input = solomonToVroom(inst);
    const out = expectVroomSolution(solveVroom(input, { budgetMs: 1000, seed: 1 }));
    assert.deepEqual(checkFeasibility(input, out), []);
    assert.equal(out.unassigned.length, 0);
    let distance = 0;
    for (const r of out.routes) {
      const at = [0, ...r.steps.filter((s) => s.type === 'job').map((s) => s.location_index!), 0];
      for (let k = 1; k < at.length; k++) distance += solomonDistance(inst.customers[at[k - 1]!]!, inst.customers[at[k]!]!);
    }
    // Best known: 828.94 with 10 vehicles (solomon-bks.csv).
    assert.ok(distance <= 828.94 * 1.02, `distance ${distance.toFixed(2)}`);
  });

  it('returns the same plan for the same seed and iteration count', () => {
    const inst = parseSolomon(readFileSync(sharedFixture('benchmarks/vrptw/solomon/R103.txt'), 'utf8'));
    const input = solomonToVroom(inst);
    const plan = (seed: number): unknown => {
      const out = expectVroomSolution(solveVroom(input, { iterations: 400, budgetMs: 60_000, seed }));
      return out.routes.map((r) => r.steps.map((s) => s.id ?? s.type));
    };
    const a = plan(5);
    assert.deepEqual(plan(5), a);
    assert.notDeepEqual(plan(6), a, 'another seed explores differently');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '@fieldtrace/testkit';
import { bestInsertion, newInsertion } from './insertion.js';
import { buildModel, type Model } from './model.js';
import { sequenceCost } from './sequence.js';
import { Solution } from './solution.js';
import { randomProblem, type RandomProblemOptions } from './test-instances.js';

/**
 * The O(1)-per-position insertion checks (cached forward/backward slack, load maxima) must find exactly the
 * cheapest position a full re-check of every candidate route finds, whatever the constraints.
 */

/** Fills routes with random tasks, each appended only if the route stays feasible (checked from scratch). */
function randomRoutes(m: Model, rnd: () => number): Solution {
  const sol = new Solution(m);
  const seqs: number[][] = Array.from({ length: m.nVehicles }, () => [-1]);
  for (let u = 0; u < m.nNodes; u++) {
    if (m.kind[u] === 2 || rnd() < 0.3) continue;
    const v = Math.floor(rnd() * m.nVehicles);
    const seq = seqs[v]!;
    const trial = m.partner[u]! >= 0 ? [...seq, u, m.partner[u]!] : [...seq, u];
    if (sequenceCost(m, v, trial, trial.length - 1) >= 0) seqs[v] = trial;
  }
  for (let v = 0; v < m.nVehicles; v++) {
    sol.routes[v]!.setNodes(seqs[v]!, 1, seqs[v]!.length, m);
    sol.sync(m, v);
  }
  return sol;
}

/** The cheapest feasible insertion of unit u in route v by trying every position and re-checking the whole route. */
function bruteForce(m: Model, sol: Solution, v: number, u: number): number {
  const r = sol.routes[v]!;
  const base = Array.from({ length: r.len }, (_, i) => r.node[i + 1]!);
  const before = r.len === 0 ? 0 : sequenceCost(m, v, [-1, ...base], r.len);
  let best = Infinity;
  const w = m.partner[u]!;
  for (let p = 0; p <= r.len; p++) {
    if (w < 0) {
      const seq = [-1, ...base.slice(0, p), u, ...base.slice(p)];
      const c = sequenceCost(m, v, seq, seq.length - 1);
      if (c >= 0) best = Math.min(best, c - before);
      continue;
    }
    for (let q = p; q <= r.len; q++) {
      const seq = [-1, ...base.slice(0, p), u, ...base.slice(p, q), w, ...base.slice(q)];
      const c = sequenceCost(m, v, seq, seq.length - 1);
      if (c >= 0) best = Math.min(best, c - before);
    }
  }
  return best;
}

function agree(o: RandomProblemOptions, seeds: number): void {
  let compared = 0;
  let feasible = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const rnd = seededRandom(seed);
    const m = buildModel(randomProblem(rnd, o));
    const sol = randomRoutes(m, rnd);
    const ins = newInsertion();
    for (let u = 0; u < m.nNodes; u++) {
      if (sol.routeOf[u] !== -1 || m.kind[u] === 2) continue;
      for (let v = 0; v < m.nVehicles; v++) {
        ins.delta = Infinity;
        ins.vehicle = -1;
        bestInsertion(m, sol.routes[v]!, u, 0, ins, null, 0);
        const expected = bruteForce(m, sol, v, u);
        compared++;
        if (expected === Infinity) {
          assert.equal(ins.vehicle, -1, `seed ${seed}: node ${u} into vehicle ${v} is infeasible but was accepted`);
        } else {
          feasible++;
          assert.equal(ins.vehicle, v, `seed ${seed}: node ${u} fits vehicle ${v} (delta ${expected}) but was refused`);
          assert.ok(Math.abs(ins.delta - expected) < 1e-6, `seed ${seed}: node ${u}, vehicle ${v}: delta ${ins.delta}, expected ${expected}`);
        }
      }
    }
  }
  // The instances must exercise both outcomes, or the test proves nothing.
  assert.ok(feasible > 0 && feasible < compared, `feasible ${feasible} of ${compared}`);
}

describe('incremental insertion checks', () => {
  it('agree with a full re-check under time windows (some multiple) and capacity', () => {
    agree({ jobs: 14, vehicles: 3, windows: 0.7, capacity: 30, horizon: 12_000 }, 30);
  });

  it('agree with a full re-check with setup times at shared places, two amount dimensions and skills', () => {
    agree({ jobs: 14, vehicles: 3, windows: 0.5, capacity: 25, dims: 2, setup: true, skills: true, horizon: 12_000 }, 30);
  });

  it('agree with a full re-check for shipments (precedence, load between pickup and delivery)', () => {
    agree({ jobs: 6, shipments: 5, vehicles: 3, windows: 0.6, capacity: 12, horizon: 9_000 }, 30);
  });

  it('agree with a full re-check with breaks, max_tasks, max_travel_time and open route ends', () => {
    agree({ jobs: 12, shipments: 2, vehicles: 3, windows: 0.4, capacity: 30, breaks: true, maxTasks: 6, maxTravelTime: 5000, openEnds: true, horizon: 12_000 }, 30);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '@fieldtrace/testkit';
import { checkFeasibility } from '../vroom/feasibility.js';
import { expectVroomSolution, type VroomInput, type VroomRoute, type VroomSolution } from '../vroom/schema.js';
import { insertOne, solveVroom } from './solve.js';
import { randomProblem } from './test-instances.js';

/** Points on a line: travel time = |a - b| (index 0 is the depot at 0). */
function lineMatrix(xs: number[]): number[][] {
  return xs.map((a) => xs.map((b) => Math.abs(a - b)));
}

function solve(input: VroomInput, opts: Parameters<typeof solveVroom>[1] = { iterations: 300, budgetMs: 5000 }): VroomSolution {
  const out = expectVroomSolution(solveVroom(input, opts));
  assert.deepEqual(checkFeasibility(input, out), [], 'every plan passes the independent checker');
  return out;
}

const tasks = (r: VroomRoute | undefined): string[] =>
  (r?.steps ?? []).filter((s) => s.type !== 'start' && s.type !== 'end').map((s) => `${s.type}:${s.id}`);
const routeOf = (out: VroomSolution, vehicle: number): VroomRoute | undefined => out.routes.find((r) => r.vehicle === vehicle);

describe('solveVroom', () => {
  it('passes the independent feasibility checker on random problems using every feature', () => {
    const rnd = seededRandom(7);
    for (let i = 0; i < 12; i++) {
      const input = randomProblem(rnd, {
        jobs: 25, shipments: 4, vehicles: 4, windows: 0.5, capacity: 40, dims: 2, setup: true, skills: true,
        breaks: i % 2 === 0, maxTasks: i % 3 === 0 ? 8 : undefined, maxTravelTime: i % 4 === 1 ? 6000 : undefined,
        openEnds: i % 2 === 1, horizon: 15_000,
      });
      const out = solve(input, { iterations: 200, budgetMs: 5000, seed: i });
      assert.ok(out.routes.length > 0);
    }
  });

  it('serves each job inside its time window, waiting when early', () => {
    // Geometry says 1, 2, 3; the windows say 3, 2, 1.
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0 }],
      jobs: [
        { id: 1, location_index: 1, service: 10, time_windows: [[400, 450]] },
        { id: 2, location_index: 2, service: 10, time_windows: [[200, 250]] },
        { id: 3, location_index: 3, service: 10, time_windows: [[30, 60]] },
      ],
      matrices: { car: { durations: lineMatrix([0, 10, 20, 30]) } },
    };
    const out = solve(input);
    assert.deepEqual(tasks(out.routes[0]), ['job:3', 'job:2', 'job:1']);
    const job3 = out.routes[0]!.steps[1]!;
    assert.ok(job3.arrival + job3.waiting_time >= 30 && job3.arrival + job3.waiting_time <= 60);
  });

  it('splits the jobs across vehicles when one vehicle cannot carry them all', () => {
    const input: VroomInput = {
      vehicles: [1, 2].map((id) => ({ id, start_index: 0, end_index: 0, capacity: [10] })),
      jobs: [1, 2, 3].map((id) => ({ id, location_index: id, delivery: [4] })),
      matrices: { car: { durations: lineMatrix([0, 10, 11, 12]) } },
    };
    const out = solve(input);
    assert.equal(out.routes.length, 2);
    assert.equal(out.unassigned.length, 0);
    for (const r of out.routes) assert.ok(r.delivery![0]! <= 10);
  });

  it('gives a job only to a vehicle that has all its skills', () => {
    const input: VroomInput = {
      vehicles: [
        { id: 1, start_index: 0, end_index: 0, skills: [1] },
        { id: 2, start_index: 3, end_index: 3, skills: [1, 7] },
      ],
      // Job 2 is next to vehicle 1's depot but needs skill 7.
      jobs: [
        { id: 1, location_index: 1, skills: [1] },
        { id: 2, location_index: 1, skills: [7] },
      ],
      matrices: { car: { durations: lineMatrix([0, 1, 50, 100]) } },
    };
    const out = solve(input);
    assert.ok(tasks(routeOf(out, 2)).includes('job:2'));
    assert.ok(!tasks(routeOf(out, 1)).includes('job:2'));
  });

  it('keeps a shipment on one route with its pickup first, even when the delivery place comes first', () => {
    const input: VroomInput = {
      vehicles: [1, 2].map((id) => ({ id, start_index: 0, end_index: 0, capacity: [5] })),
      shipments: [{ amount: [5], pickup: { id: 1, location_index: 2 }, delivery: { id: 1, location_index: 1 } }],
      jobs: [{ id: 9, location_index: 1, delivery: [1] }],
      matrices: { car: { durations: lineMatrix([0, 10, 20]) } },
    };
    const out = solve(input);
    const withShipment = out.routes.find((r) => tasks(r).includes('pickup:1'))!;
    const order = tasks(withShipment);
    assert.ok(order.includes('delivery:1'));
    assert.ok(order.indexOf('pickup:1') < order.indexOf('delivery:1'));
    // Job 9 cannot ride along while the vehicle is full: it is served before the pickup or by the other vehicle.
    if (order.includes('job:9')) assert.ok(order.indexOf('job:9') < order.indexOf('pickup:1'));
  });

  it('takes every break of a used vehicle inside its window', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, time_window: [0, 2000], breaks: [{ id: 5, service: 300, time_windows: [[500, 600]] }] }],
      jobs: [1, 2, 3, 4].map((id) => ({ id, location_index: id, service: 100 })),
      matrices: { car: { durations: lineMatrix([0, 100, 200, 300, 400]) } },
    };
    const out = solve(input);
    const brk = out.routes[0]!.steps.find((s) => s.type === 'break');
    assert.ok(brk !== undefined);
    const start = brk.arrival + brk.waiting_time;
    assert.ok(start >= 500 && start <= 600, `break starts at ${start}`);
    assert.equal(out.unassigned.length, 0);
  });

  it('gives no vehicle more tasks than its max_tasks', () => {
    const input: VroomInput = {
      vehicles: [1, 2, 3].map((id) => ({ id, start_index: 0, end_index: 0, max_tasks: 2 })),
      jobs: [1, 2, 3, 4, 5].map((id) => ({ id, location_index: id })),
      matrices: { car: { durations: lineMatrix([0, 1, 2, 3, 4, 5]) } },
    };
    const out = solve(input);
    assert.equal(out.unassigned.length, 0);
    for (const r of out.routes) assert.ok(tasks(r).length <= 2);
  });

  it('leaves out what no vehicle can serve, and the lower priority first when not everything fits', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, capacity: [5], time_window: [0, 1000] }],
      jobs: [
        { id: 1, location_index: 1, delivery: [5], priority: 0 },
        { id: 2, location_index: 2, delivery: [5], priority: 10 },
        // Too far to come back in time.
        { id: 3, location_index: 3 },
      ],
      matrices: { car: { durations: lineMatrix([0, 10, 400, 900]) } },
    };
    const out = solve(input);
    assert.deepEqual(tasks(out.routes[0]), ['job:2']);
    assert.deepEqual(out.unassigned.map((u) => u.id).sort(), [1, 3]);
  });

  it('uses fewer vehicles under the fleet objective than under the native one when that costs more', () => {
    // Jobs 1 and 2 are close to the depot but expensive to chain (not a metric: VROOM allows any matrix).
    const durations = [
      [0, 10, 10],
      [10, 0, 1000],
      [10, 1000, 0],
    ];
    const input: VroomInput = {
      vehicles: [1, 2].map((id) => ({ id, start_index: 0, end_index: 0 })),
      jobs: [1, 2].map((id) => ({ id, location_index: id })),
      matrices: { car: { durations } },
    };
    const native = solve(input, { iterations: 100, budgetMs: 5000, objective: 'native' });
    const fleet = solve(input, { iterations: 100, budgetMs: 5000, objective: 'fleet' });
    assert.equal(native.routes.length, 2);
    assert.equal(native.summary.cost, 40);
    assert.equal(fleet.routes.length, 1);
    assert.equal(fleet.summary.cost, 1020);
  });

  it('prices routes with fixed, per-hour and per-km costs as VROOM does', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, costs: { fixed: 1000, per_hour: 7200, per_km: 500 } }],
      jobs: [{ id: 1, location_index: 1 }],
      matrices: { car: { durations: lineMatrix([0, 360]), distances: lineMatrix([0, 4000]) } },
    };
    const out = solve(input);
    // 1000 + 7200 × 720 s / 3600 + 500 × 8 km = 1000 + 1440 + 4000.
    assert.equal(out.summary.cost, 6440);
  });

  it('divides travel by the speed factor and uses the service time of the vehicle type', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, speed_factor: 2, type: 'van', time_window: [0, 130] }],
      jobs: [{ id: 1, location_index: 1, service: 500, service_per_type: { van: 30 } }],
      matrices: { car: { durations: lineMatrix([0, 100]) } },
    };
    const out = solve(input);
    // 100 s of travel at twice the speed: 50 s each way, and the van's 30 s service: back at 130, just in time.
    assert.equal(out.unassigned.length, 0);
    assert.equal(out.routes[0]!.duration, 100);
    assert.equal(out.routes[0]!.steps[1]!.service, 30);
    assert.equal(out.routes[0]!.steps[2]!.arrival, 130);
  });

  it('lets a vehicle without an end stop at its last task and one without a start begin at its first', () => {
    const input: VroomInput = {
      vehicles: [
        { id: 1, start_index: 0 },
        { id: 2, end_index: 4 },
      ],
      jobs: [1, 2, 3].map((id) => ({ id, location_index: id })),
      matrices: { car: { durations: lineMatrix([0, 10, 20, 30, 40]) } },
    };
    const out = solve(input);
    // One vehicle drives 0 → 30 (cost 30), or the other 10 → 40 (cost 30); both beat anything longer.
    assert.equal(out.summary.cost, 30);
  });

  it('answers VROOM error codes: 2 for an invalid input, 3 when a profile has no matrix', () => {
    const bad = solveVroom({ vehicles: [] } as unknown as VroomInput, { budgetMs: 100 });
    assert.equal(bad.code, 2);
    const noMatrix = solveVroom({ vehicles: [{ id: 1, start: [2.35, 48.86] }], jobs: [{ id: 1, location: [2.36, 48.85] }] }, { budgetMs: 100 });
    assert.equal(noMatrix.code, 3);
  });
});

describe('warm start', () => {
  const problem = (): VroomInput => randomProblem(seededRandom(11), { jobs: 30, vehicles: 4, windows: 0.4, capacity: 40, horizon: 20_000 });

  it('keeps each fixed prefix at the head of its route, in order', () => {
    const input = problem();
    const first = solve(input, { iterations: 200, budgetMs: 5000, seed: 1 });
    // The re-planning service fixes each vehicle's current leg: here its first two tasks.
    const fixed = first.routes.map((r) => ({ vehicle: r.vehicle, steps: r.steps.filter((s) => s.type === 'job').slice(0, 2) }));
    const again = solve(input, { iterations: 300, budgetMs: 5000, seed: 99, initial: first.routes, fixed });
    for (const f of fixed) {
      const route = routeOf(again, f.vehicle);
      assert.deepEqual(tasks(route).slice(0, f.steps.length), f.steps.map((s) => `job:${s.id}`));
    }
    // Starting from a plan never ends worse than it.
    assert.ok(again.summary.cost <= first.summary.cost);
  });

  it('keeps a late job in progress at the head of its route', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, time_window: [500, 5000] }],
      // The vehicle is already past job 1's window: the job is in progress and must stay first.
      jobs: [
        { id: 1, location_index: 1, time_windows: [[0, 100]] },
        { id: 2, location_index: 2 },
      ],
      matrices: { car: { durations: lineMatrix([0, 10, 5]) } },
    };
    const out = expectVroomSolution(solveVroom(input, { iterations: 50, budgetMs: 5000, fixed: [{ vehicle: 1, steps: [{ type: 'job', id: 1 }] }] }));
    assert.deepEqual(tasks(out.routes[0]), ['job:1', 'job:2']);
  });
});

describe('insertOne', () => {
  it('puts a new job where it costs least, within its window, and moves nothing else', () => {
    const input: VroomInput = {
      vehicles: [1, 2].map((id) => ({ id, start_index: 0, end_index: 0 })),
      jobs: [
        { id: 1, location_index: 1 },
        { id: 2, location_index: 2 },
        { id: 3, location_index: 3, time_windows: [[0, 50]] },
        // New: as cheap between jobs 2 and 3 as after job 3, but waiting for its window there would make job 3 late.
        { id: 4, location_index: 4, time_windows: [[60, 100]] },
      ],
      matrices: { car: { durations: lineMatrix([0, -10, 20, 30, 25].map((x) => x + 10)) } },
    };
    const current = [
      { vehicle: 1, steps: [{ type: 'job', id: 1 }] },
      { vehicle: 2, steps: [{ type: 'job', id: 2 }, { type: 'job', id: 3 }] },
    ];
    const res = insertOne(input, current, 4);
    assert.ok(res.ok, res.ok ? '' : res.error);
    assert.equal(res.vehicle, 2);
    assert.equal(res.taskIndex, 2);
    assert.deepEqual(tasks(routeOf(res.output, 1)), ['job:1']);
    assert.deepEqual(tasks(routeOf(res.output, 2)), ['job:2', 'job:3', 'job:4']);
    assert.deepEqual(checkFeasibility(input, res.output), []);
  });

  it('refuses a job no vehicle can take', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, skills: [1] }],
      jobs: [{ id: 1, location_index: 1, skills: [2] }],
      matrices: { car: { durations: lineMatrix([0, 10]) } },
    };
    const res = insertOne(input, [], 1);
    assert.equal(res.ok, false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFeasibility, type FeasibilityViolationKind } from './feasibility.js';
import { indexLocations } from './locations.js';
import type { VroomInput, VroomSolution, VroomStep } from './schema.js';
import { depotProblem, depotSolution } from './test-problems.js';

function kinds(input: VroomInput, output: VroomSolution): FeasibilityViolationKind[] {
  return checkFeasibility(input, output).map((v) => v.kind);
}

/** Step k of vehicle v's route in a solution. */
function step(output: VroomSolution, vehicle: number, k: number): VroomStep {
  const route = output.routes.find((r) => r.vehicle === vehicle);
  assert.ok(route !== undefined);
  const s = route.steps[k];
  assert.ok(s !== undefined);
  return s;
}

describe('checkFeasibility', () => {
  it('passes the hand-computed solution of the depot problem', () => {
    assert.deepEqual(checkFeasibility(depotProblem(), depotSolution()), []);
  });

  it('catches service starting before the time window opens', () => {
    const input = depotProblem();
    input.jobs![0]!.time_windows = [[30000, 30600]];
    const found = checkFeasibility(input, depotSolution());
    assert.deepEqual(found.map((v) => [v.kind, v.vehicle, v.step]), [['time_window', 1, 1]]);
  });

  it('catches service starting after the time window closes', () => {
    const input = depotProblem();
    input.jobs![0]!.time_windows = [[28000, 29000]];
    assert.deepEqual(kinds(input, depotSolution()), ['time_window']);
  });

  it('accepts waiting for a window (service start = arrival + waiting_time)', () => {
    const input = depotProblem();
    // Break 10 arrives at 30460 and waits until 32400: the window's start is exactly met.
    input.vehicles[0]!.breaks![0]!.time_windows = [[32400, 32400]];
    assert.deepEqual(kinds(input, depotSolution()), []);
  });

  it("catches a route ending after the vehicle's working hours", () => {
    const input = depotProblem();
    input.vehicles[1]!.time_window = [28800, 30000];
    assert.deepEqual(kinds(input, depotSolution()), ['vehicle_time_window']);
  });

  it("catches a route starting before the vehicle's working hours", () => {
    const input = depotProblem();
    input.vehicles[1]!.time_window = [29000, 43200];
    assert.deepEqual(kinds(input, depotSolution()), ['vehicle_time_window']);
  });

  it('catches an over-capacity load in one dimension (deliveries loaded at the start)', () => {
    const input = depotProblem();
    input.vehicles[1]!.capacity = [10, 1];
    const found = checkFeasibility(input, depotSolution());
    assert.deepEqual(found.map((v) => [v.kind, v.vehicle, v.step]), [['capacity', 2, 0]]);
  });

  it('catches an over-capacity load caused by a pickup mid-route', () => {
    const input = depotProblem();
    // Vehicle 1 carries [3, 1] at the start and again after pickup 201: dimension 1 (capacity 0) is exceeded twice.
    input.vehicles[0]!.capacity = [3, 0];
    const found = checkFeasibility(input, depotSolution());
    assert.ok(found.every((v) => v.kind === 'capacity' && v.vehicle === 1));
    assert.deepEqual(found.map((v) => v.step), [0, 4]);
  });

  it('catches a misreported load', () => {
    const output = depotSolution();
    step(output, 1, 2).load = [2, 1];
    assert.deepEqual(kinds(depotProblem(), output), ['load_report']);
  });

  it('catches a task served by a vehicle without its skills', () => {
    const input = depotProblem();
    input.vehicles[1]!.skills = [];
    const found = checkFeasibility(input, depotSolution());
    assert.deepEqual(found.map((v) => [v.kind, v.step]), [['skills', 1]]);
  });

  it("catches a break outside its windows and one taken above its max_load", () => {
    const input = depotProblem();
    input.vehicles[0]!.breaks![0]!.time_windows = [[33000, 34200]];
    input.vehicles[0]!.breaks![0]!.max_load = [1, 5];
    assert.deepEqual(kinds(input, depotSolution()).sort(), ['break_max_load', 'break_time_window']);
  });

  it('catches a break missing from a route', () => {
    const input = depotProblem();
    input.vehicles[1]!.breaks = [{ id: 20, service: 300, time_windows: [[30000, 40000]] }];
    const found = checkFeasibility(input, depotSolution());
    assert.deepEqual(found.map((v) => [v.kind, v.vehicle]), [['break', 2]]);
  });

  it('catches a delivery before its pickup', () => {
    const output = depotSolution();
    const steps = output.routes[0]!.steps;
    [steps[4], steps[5]] = [steps[5]!, steps[4]!];
    assert.ok(kinds(depotProblem(), output).includes('precedence'));
  });

  it('catches a shipment split between two routes', () => {
    const output = depotSolution();
    const delivery = output.routes[0]!.steps.splice(5, 1)[0]!;
    output.routes[1]!.steps.splice(3, 0, delivery);
    const found = checkFeasibility(depotProblem(), output).filter((v) => v.kind === 'precedence');
    assert.deepEqual(found.map((v) => v.vehicle).sort(), [1, 2]);
  });

  it('catches more tasks than max_tasks', () => {
    const input = depotProblem();
    input.vehicles[0]!.max_tasks = 3;
    assert.deepEqual(kinds(input, depotSolution()), ['max_tasks']);
  });

  it('catches more travel than max_travel_time and more distance than max_distance', () => {
    const input = depotProblem();
    input.vehicles[1]!.max_travel_time = 1399;
    input.vehicles[1]!.max_distance = 13999;
    assert.deepEqual(kinds(input, depotSolution()).sort(), ['max_distance', 'max_travel_time']);
    input.vehicles[1]!.max_travel_time = 1400;
    input.vehicles[1]!.max_distance = 14000;
    assert.deepEqual(kinds(input, depotSolution()), []);
  });

  it('catches an arrival inconsistent with the travel matrix', () => {
    const output = depotSolution();
    step(output, 1, 2).arrival -= 10;
    const found = checkFeasibility(depotProblem(), output);
    // Too early after job 101, and then the break's chain starts 10 s early too.
    assert.deepEqual(found.map((v) => [v.kind, v.step]), [['timing', 2], ['timing', 3]]);
  });

  it('applies setup again only when the location changes', () => {
    const output = depotSolution();
    // Job 105 follows job 103 at the same place: claiming its setup of 100 s is wrong.
    step(output, 2, 2).setup = 100;
    step(output, 2, 3).arrival += 100;
    output.routes[1]!.setup += 100;
    output.summary.setup += 100;
    const found = checkFeasibility(depotProblem(), output);
    // The claimed setup is wrong, and so is the end arrival that counted it.
    assert.deepEqual(found.map((v) => [v.kind, v.step]), [['task_time', 2], ['timing', 3]]);
  });

  it('catches a cumulated travel or distance that does not add up', () => {
    const output = depotSolution();
    step(output, 2, 1).duration = 650;
    step(output, 2, 1).distance = 6500;
    assert.deepEqual(kinds(depotProblem(), output), ['travel', 'travel', 'travel', 'travel']);
  });

  it('catches a task served twice, or both served and unassigned', () => {
    const twice = depotSolution();
    twice.routes[1]!.steps.splice(2, 0, { ...step(twice, 2, 1) });
    assert.ok(kinds(depotProblem(), twice).includes('duplicate_task'));

    const both = depotSolution();
    both.unassigned.push({ id: 103, type: 'job' });
    both.summary.unassigned = 2;
    assert.deepEqual(kinds(depotProblem(), both), ['duplicate_task']);
  });

  it('catches a task that is neither served nor unassigned', () => {
    const output = depotSolution();
    output.unassigned = [];
    output.summary.unassigned = 0;
    const found = checkFeasibility(depotProblem(), output);
    assert.deepEqual(found.map((v) => v.message), ['job 104 is neither served nor unassigned']);
  });

  it('catches unknown vehicles and tasks', () => {
    const output = depotSolution();
    output.routes[1]!.vehicle = 9;
    output.unassigned.push({ id: 999, type: 'pickup' });
    const found = kinds(depotProblem(), output);
    assert.ok(found.includes('unknown_vehicle'));
    assert.ok(found.includes('unknown_task'));
  });

  it('catches a route without its start and end steps, and a vehicle with two routes', () => {
    const headless = depotSolution();
    headless.routes[1]!.steps.shift();
    assert.ok(kinds(depotProblem(), headless).includes('route_shape'));

    const twice = depotSolution();
    twice.routes[1]!.vehicle = 1;
    assert.ok(kinds(depotProblem(), twice).includes('duplicate_route'));
  });

  it('catches route and summary totals that do not add up', () => {
    const output = depotSolution();
    output.routes[0]!.waiting_time = 0;
    output.summary.cost = 1;
    assert.deepEqual(kinds(depotProblem(), output).sort(), ['route_totals', 'summary', 'summary']);
  });

  it('refuses error outputs and outputs not in VROOM format', () => {
    assert.deepEqual(kinds(depotProblem(), { code: 2, error: 'Invalid input.' } as unknown as VroomSolution), ['error_output']);
    const broken = depotSolution() as unknown as { routes: { steps: { arrival: unknown }[] }[] };
    broken.routes[0]!.steps[1]!.arrival = 'soon';
    const found = checkFeasibility(depotProblem(), broken as unknown as VroomSolution);
    assert.equal(found[0]?.kind, 'output_schema');
    assert.match(found[0]!.message, /\/routes\/0\/steps\/1\/arrival/);
  });

  it('accepts speed_factor rounding within a second and no more', () => {
    const input: VroomInput = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, speed_factor: 1.5 }],
      jobs: [{ id: 1, location_index: 1 }],
      matrices: { car: { durations: [[0, 1000], [1000, 0]] } },
    };
    // 1000 / 1.5 = 666.67 s each way.
    const solution = (arrival: number, end: number): VroomSolution => ({
      code: 0,
      summary: { cost: end, routes: 1, unassigned: 0, setup: 0, service: 0, duration: end, waiting_time: 0, priority: 0, violations: [], computing_times: { loading: 0, solving: 0 } },
      unassigned: [],
      routes: [{
        vehicle: 1, cost: end, setup: 0, service: 0, duration: end, waiting_time: 0, priority: 0, violations: [],
        steps: [
          { type: 'start', arrival: 0, duration: 0, setup: 0, service: 0, waiting_time: 0, violations: [] },
          { type: 'job', id: 1, arrival, duration: arrival, setup: 0, service: 0, waiting_time: 0, violations: [] },
          { type: 'end', arrival: end, duration: end, setup: 0, service: 0, waiting_time: 0, violations: [] },
        ],
      }],
    });
    assert.deepEqual(kinds(input, solution(667, 1333)), []);
    assert.ok(kinds(input, solution(670, 1336)).includes('timing'));
  });

  it('checks coordinates-only problems against matrices built over indexLocations', () => {
    const input: VroomInput = {
      vehicles: [{ id: 7, start: [13.4, 52.5], end: [13.4, 52.5] }],
      jobs: [
        { id: 1, location: [13.5, 52.5], service: 60 },
        { id: 2, location: [13.4, 52.6], service: 60 },
      ],
    };
    const { input: indexed, locations } = indexLocations(input);
    // VROOM's numbering: the vehicle's start (shared with its end) first, then the jobs.
    assert.deepEqual(locations, [[13.4, 52.5], [13.5, 52.5], [13.4, 52.6]]);
    assert.equal(indexed.jobs![1]!.location_index, 2);
    assert.equal(input.jobs![1]!.location_index, undefined, "the caller's input is not modified");
    const durations = [[0, 100, 200], [100, 0, 150], [200, 150, 0]];
    const output: VroomSolution = {
      code: 0,
      summary: { cost: 450, routes: 1, unassigned: 0, setup: 0, service: 120, duration: 450, waiting_time: 0, priority: 0, violations: [], computing_times: { loading: 0, solving: 0 } },
      unassigned: [],
      routes: [{
        vehicle: 7, cost: 450, setup: 0, service: 120, duration: 450, waiting_time: 0, priority: 0, violations: [],
        steps: [
          { type: 'start', location: [13.4, 52.5], arrival: 0, duration: 0, setup: 0, service: 0, waiting_time: 0, violations: [] },
          { type: 'job', id: 1, location: [13.5, 52.5], arrival: 100, duration: 100, setup: 0, service: 60, waiting_time: 0, violations: [] },
          { type: 'job', id: 2, location: [13.4, 52.6], arrival: 310, duration: 250, setup: 0, service: 60, waiting_time: 0, violations: [] },
          { type: 'end', location: [13.4, 52.5], arrival: 570, duration: 450, setup: 0, service: 0, waiting_time: 0, violations: [] },
        ],
      }],
    };
    assert.deepEqual(checkFeasibility(input, output, { matrices: { car: { durations } } }), []);
  });
});

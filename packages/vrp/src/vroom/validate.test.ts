import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VroomInput } from './schema.js';
import { depotProblem, vroomDocsExample } from './test-problems.js';
import { validateVroomInput } from './validate.js';

/** Asserts a rejection with VROOM's input error code, the message and the JSON path; returns the message. */
function rejects(json: unknown, message: RegExp, path: string): string {
  const result = validateVroomInput(json);
  assert.equal(result.ok, false, 'expected the input to be rejected');
  if (result.ok) return '';
  assert.equal(result.code, 2);
  assert.match(result.error, message);
  assert.equal(result.path, path);
  assert.ok(result.error.endsWith(`(at ${path})`), `the message names the path: ${result.error}`);
  return result.error;
}

function accepts(json: unknown): VroomInput {
  const result = validateVroomInput(json);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.input;
}

/** The depot problem with a change applied. */
function depot(change: (p: VroomInput) => void): VroomInput {
  const p = depotProblem();
  change(p);
  return p;
}

describe('validateVroomInput accepts', () => {
  it("VROOM's documented example (coordinates only, breaks, skills, a shipment)", () => {
    const input = accepts(vroomDocsExample());
    assert.equal(input.vehicles.length, 2);
    assert.equal(input.shipments?.[0]?.pickup.id, 4);
  });

  it('custom matrices with indices, two amount dimensions, setup, max_tasks, max_travel_time', () => {
    accepts(depotProblem());
  });

  it('unknown keys, as VROOM ignores them', () => {
    const p = depotProblem() as unknown as Record<string, unknown> & { jobs: Record<string, unknown>[] };
    p['solver_hint'] = 'fast';
    p.jobs[0]!['colour'] = 'red';
    accepts(p);
  });

  it("VROOM's deprecated forms, normalized: top-level matrix and a job's lone amount", () => {
    const original = {
      vehicles: [{ id: 0, start_index: 0, capacity: [4] }],
      jobs: [{ id: 1, location_index: 1, amount: [2] }],
      matrix: [[0, 10], [10, 0]],
    };
    const input = accepts(original);
    assert.deepEqual(input.matrices, { car: { durations: [[0, 10], [10, 0]] } });
    assert.equal(input.matrix, undefined);
    assert.deepEqual(input.jobs?.[0]?.delivery, [2]);
    assert.equal((original.jobs[0] as { delivery?: number[] }).delivery, undefined, "the caller's object is not modified");
  });

  it('a vehicle with only an end, and per-type setup and service', () => {
    accepts(depot((p) => {
      delete p.vehicles[1]!.start_index;
      p.vehicles[1]!.type = 'van';
      p.jobs![0]!.service_per_type = { van: 200 };
    }));
  });
});

describe('validateVroomInput rejects with code 2, naming the field', () => {
  it('a missing vehicles array', () => {
    rejects({ jobs: [] }, /^Invalid vehicles: expected required property/, '/vehicles');
  });

  it('a non-integer id', () => {
    rejects(depot((p) => ((p.jobs![2] as { id: unknown }).id = 'a')), /^Invalid id value for job at index 2: expected integer/, '/jobs/2/id');
  });

  it('a missing id', () => {
    rejects(depot((p) => delete (p.vehicles[1] as { id?: number }).id), /^Invalid or missing id for vehicle at index 1\./, '/vehicles/1/id');
  });

  it('a priority outside [0, 100]', () => {
    rejects(depot((p) => (p.jobs![1]!.priority = 101)), /^Invalid priority value for job 102: expected integer to be less or equal to 100/, '/jobs/1/priority');
  });

  it('a skill that is not an unsigned integer', () => {
    rejects(depot((p) => (p.vehicles[0]!.skills = [1, 2.5])), /^Invalid skills value for vehicle 1: expected integer/, '/vehicles/0/skills/1');
  });

  it('a break with a malformed time window', () => {
    rejects(depot((p) => ((p.vehicles[0]!.breaks![0]! as { time_windows: unknown }).time_windows = [[1]])), /^Invalid time_windows value for break 10 of vehicle 1/, '/vehicles/0/breaks/0/time_windows/0');
  });

  it('a speed_factor outside (0, 5]', () => {
    rejects(depot((p) => (p.vehicles[0]!.speed_factor = 6)), /^Invalid speed_factor value for vehicle 1/, '/vehicles/0/speed_factor');
  });

  it('an unknown step type', () => {
    rejects(depot((p) => (p.vehicles[0]!.steps = [{ type: 'lunch' as 'break' }])), /^Invalid type value for step 0 of vehicle 1/, '/vehicles/0/steps/0/type');
  });

  it('no vehicle', () => {
    rejects(depot((p) => (p.vehicles = [])), /^No vehicle defined\./, '/vehicles');
  });

  it('no task', () => {
    rejects(depot((p) => { p.jobs = []; delete p.shipments; }), /^No task defined\./, '/jobs');
  });

  it('a duplicate job id', () => {
    rejects(depot((p) => (p.jobs![3]!.id = 101)), /^Duplicate job id: 101\./, '/jobs/3/id');
  });

  it('a duplicate vehicle id', () => {
    rejects(depot((p) => (p.vehicles[1]!.id = 1)), /^Duplicate vehicle id: 1\./, '/vehicles/1/id');
  });

  it('a duplicate pickup id (a delivery may share an id with a job, as in VROOM)', () => {
    const p = depotProblem();
    p.shipments!.push({ pickup: { id: 201, location_index: 2 }, delivery: { id: 101, location_index: 3 }, amount: [1, 0] });
    rejects(p, /^Duplicate pickup id: 201\./, '/shipments/1/pickup/id');
  });

  it('a duplicate break id on one vehicle', () => {
    rejects(depot((p) => p.vehicles[0]!.breaks!.push({ id: 10, service: 60 })), /^Duplicate break id: 10 for vehicle 1\./, '/vehicles/0/breaks/1/id');
  });

  it('a delivery with the wrong number of dimensions', () => {
    rejects(depot((p) => (p.jobs![0]!.delivery = [3])), /^Inconsistent delivery length: 1 instead of 2\./, '/jobs/0/delivery');
  });

  it('a capacity with the wrong number of dimensions', () => {
    rejects(depot((p) => (p.vehicles[1]!.capacity = [10, 5, 1])), /^Inconsistent capacity length: 3 instead of 2\./, '/vehicles/1/capacity');
  });

  it('amounts when the first vehicle has no capacity (VROOM sizes amounts from it)', () => {
    rejects(depot((p) => { delete p.vehicles[0]!.capacity; delete p.vehicles[0]!.breaks![0]!.max_load; }), /^Inconsistent capacity length: 2 instead of 0\./, '/vehicles/1/capacity');
  });

  it('a time window ending before it starts', () => {
    rejects(depot((p) => (p.jobs![0]!.time_windows = [[7200, 3600]])), /^Invalid time window: \[7200, 3600\] for job 101\./, '/jobs/0/time_windows/0');
  });

  it('unsorted or overlapping time windows', () => {
    rejects(depot((p) => (p.jobs![1]!.time_windows = [[5000, 6000], [1000, 2000]])), /^Unsorted or overlapping time-windows for job 102\./, '/jobs/1/time_windows/1');
    rejects(depot((p) => (p.jobs![1]!.time_windows = [[1000, 2000], [2000, 3000]])), /^Unsorted or overlapping time-windows for job 102\./, '/jobs/1/time_windows/1');
  });

  it('an empty time window list', () => {
    rejects(depot((p) => (p.shipments![0]!.delivery.time_windows = [])), /^Empty time windows for delivery 202\./, '/shipments/0/delivery/time_windows');
  });

  it("a vehicle time window ending before it starts", () => {
    rejects(depot((p) => (p.vehicles[1]!.time_window = [43200, 28800])), /^Invalid time window: \[43200, 28800\] for vehicle 2\./, '/vehicles/1/time_window');
  });

  it('a vehicle with neither start nor end', () => {
    rejects(depot((p) => { delete p.vehicles[1]!.start_index; delete p.vehicles[1]!.end_index; }), /^No start or end specified for vehicle 2\./, '/vehicles/1');
  });

  it('a task without location_index when custom matrices are given', () => {
    rejects(depot((p) => { delete p.jobs![4]!.location_index; p.jobs![4]!.location = [2.3, 48.8]; }), /^Missing location_index for job 105/, '/jobs/4/location_index');
  });

  it('a task without coordinates when no matrix is given', () => {
    const docs = vroomDocsExample() as { jobs: { location?: unknown; location_index?: number }[] };
    delete docs.jobs[2]!.location;
    docs.jobs[2]!.location_index = 3;
    rejects(docs, /^Invalid location for job 5: coordinates are required without custom matrices\./, '/jobs/2/location');
  });

  it('a location_index outside the matrix', () => {
    rejects(depot((p) => (p.shipments![0]!.pickup.location_index = 5)), /^Invalid location_index for pickup 201: 5 is outside the car profile matrices \(size 5\)\./, '/shipments/0/pickup/location_index');
  });

  it('a matrix that is not square', () => {
    rejects(depot((p) => p.matrices!['car']!.durations![2]!.pop()), /^Unexpected matrix line length in durations matrix for car profile: row 2 has 4 entries instead of 5\./, '/matrices/car/durations/2');
  });

  it('matrices of one profile with different sizes', () => {
    rejects(depot((p) => (p.matrices!['car']!.distances = [[0]])), /^Inconsistent distances matrix size for car profile: 1 instead of 5\./, '/matrices/car/distances');
  });

  it('distances without durations', () => {
    rejects(depot((p) => delete p.matrices!['car']!.durations), /^Missing durations matrix for car profile: custom distances require custom durations\./, '/matrices/car/durations');
  });

  it("a vehicle profile without a matrix when locations have no coordinates", () => {
    rejects(depot((p) => (p.vehicles[1]!.profile = 'bike')), /^Missing durations matrix for bike profile \(vehicle 2\)/, '/matrices/bike');
  });

  it('a custom costs matrix together with a per_hour cost', () => {
    rejects(
      depot((p) => {
        p.matrices!['car']!.costs = p.matrices!['car']!.durations!;
        p.vehicles[0]!.costs = { per_hour: 7200 };
      }),
      /^Custom costs are incompatible with using a per_hour value \(vehicle 1\)\./,
      '/vehicles/0/costs/per_hour',
    );
  });

  it('a custom route naming an unknown task or break', () => {
    rejects(depot((p) => (p.vehicles[0]!.steps = [{ type: 'start' }, { type: 'job', id: 999 }])), /^Invalid job id 999 in steps for vehicle 1\./, '/vehicles/0/steps/1/id');
    rejects(depot((p) => (p.vehicles[1]!.steps = [{ type: 'break', id: 10 }])), /^Invalid break id 10 in steps for vehicle 2\./, '/vehicles/1/steps/0/id');
  });

  it('an empty vehicle type key in service_per_type', () => {
    rejects(depot((p) => (p.jobs![0]!.service_per_type = { '': 10 })), /^Empty type in service_per_type for job 101\./, '/jobs/0/service_per_type');
  });
});

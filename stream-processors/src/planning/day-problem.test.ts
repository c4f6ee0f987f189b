import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM, offsetLatLon, type LonLat } from '@fieldtrace/protocol';
import type { VroomSolution } from '@fieldtrace/vrp';
import { buildDayProblem, type PlanningJob, type PlanningVehicle, type TravelTimes } from './day-problem.js';
import { planFromSolution } from './plan-from-solution.js';
import { LIVERPOOL, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const MIN = 60_000;
const OPTS = { staleAfterMs: 15 * MIN, horizonS: 12 * 3600 };

/** 10 m/s in a straight line. */
const travel: TravelTimes = (from, to) =>
  Promise.resolve(to.map((p: LonLat) => {
    const m = haversineM(from[1], from[0], p[1], p[0]);
    return { seconds: m / 10, distanceM: m };
  }));

function job(id: string, km: number, extra: Partial<PlanningJob> = {}): PlanningJob {
  const [lat, lon] = offsetLatLon(LAT, LON, 90, km * 1000);
  return {
    id, lat, lon, status: 'assigned', vehicleId: 'v1', routeOrder: null, windowStart: null, windowEnd: null, priority: 0,
    serviceS: 600, requiredSkills: [], arrivedAt: null, ...extra,
  };
}

function vehicle(id: string, extra: Partial<PlanningVehicle> = {}): PlanningVehicle {
  return { id, lat: LAT, lon: LON, positionTs: T0 - 10_000, skills: [], shiftStart: null, shiftEnd: null, ...extra };
}

test('what is under way stays put: the on-site job holds its vehicle, the en-route job is its next leg', async () => {
  const jobs = [
    job('busy', 2, { status: 'on_site', arrivedAt: T0 - 5 * MIN }),
    job('driving', 3, { status: 'en_route', vehicleId: 'v2' }),
    job('later', 5, { routeOrder: 2 }),
    job('backflow', 6, { vehicleId: null, status: 'scheduled', requiredSkills: ['backflow'], windowStart: T0 + 30 * MIN, windowEnd: T0 + 90 * MIN }),
  ];
  const p = await buildDayProblem(jobs, [vehicle('v1'), vehicle('v2', { skills: ['backflow'] }), vehicle('gone', { positionTs: T0 - 60 * MIN })], T0, travel, OPTS);

  assert.deepEqual(p.jobIds, ['later', 'backflow'], 'only jobs not under way are the solver’s');
  assert.deepEqual(p.vehicleIds, ['v1', 'v2']);
  assert.deepEqual(p.unavailable, ['gone'], 'a vehicle silent for an hour is not planned');
  // v1 is free when the on-site job's 10 minutes of service end: 5 minutes from now, at that site.
  assert.deepEqual(p.input.vehicles[0]!.time_window, [300, OPTS.horizonS]);
  assert.equal(p.committed.get('v1')?.jobId, 'busy');
  // v2 drives 3 km (300 s) then serves 600 s.
  assert.equal(p.committed.get('v2')?.freeAt, T0 + 900_000);
  assert.deepEqual(p.input.vehicles[1]!.time_window, [900, OPTS.horizonS]);
  const backflow = p.input.jobs![1]!;
  assert.deepEqual(backflow.time_windows, [[1800, 5400]]);
  assert.deepEqual(backflow.skills, p.input.vehicles[1]!.skills, 'the skill maps to the same integer on both sides');
  assert.deepEqual(p.input.vehicles[0]!.skills, [], 'a vehicle without the skill cannot take the job');
  // Matrix over 2 vehicle starts (the on-site and en-route sites) and 2 job sites.
  assert.equal(p.input.matrices!.car!.durations!.length, 4);
  assert.equal(p.input.matrices!.car!.durations![0]![2], 300); // 2 km → 5 km at 10 m/s
});

test('the jobs of a vehicle that went offline are the solver’s to give to another, and the plan lists the moves', async () => {
  const jobs = [
    job('a', 1, { routeOrder: 0 }),
    job('b', 2, { vehicleId: 'broken', routeOrder: 1 }),
    job('stuck', 2.5, { status: 'en_route', vehicleId: 'broken' }),
    job('c', 3, { vehicleId: 'v1', routeOrder: 1 }),
  ];
  const p = await buildDayProblem(jobs, [vehicle('v1'), vehicle('broken', { positionTs: T0 - 30 * MIN })], T0, travel, OPTS);
  assert.deepEqual(p.jobIds, ['a', 'b', 'c'], 'the job the silent truck was driving to stays its (a dispatcher decides)');
  // The solver (stood in for here) puts b between a and c on v1.
  const solution: VroomSolution = {
    code: 0,
    summary: { cost: 0, routes: 1, unassigned: 0, setup: 0, service: 0, duration: 300, waiting_time: 0, priority: 0, violations: [], computing_times: { loading: 0, solving: 0 } },
    unassigned: [],
    routes: [{
      vehicle: 1, cost: 0, setup: 0, service: 1800, duration: 300, waiting_time: 0, priority: 0, violations: [],
      steps: [
        { type: 'start', arrival: 0, duration: 0, setup: 0, service: 0, waiting_time: 0, violations: [] },
        { type: 'job', id: 1, arrival: 100, duration: 100, setup: 0, service: 600, waiting_time: 0, violations: [] },
        { type: 'job', id: 2, arrival: 800, duration: 200, setup: 0, service: 600, waiting_time: 0, violations: [] },
        { type: 'job', id: 3, arrival: 1500, duration: 300, setup: 0, service: 600, waiting_time: 60, violations: [] },
      ],
    }],
  };
  const plan = planFromSolution(p, solution, jobs, { id: 'p1', tenantId: 't1', createdAt: T0, trigger: { kind: 'vehicle_offline', vehicleId: 'broken', detail: 'broken offline' }, backend: 'embedded' });
  assert.deepEqual(plan.routes[0]!.stops.map((s) => s.jobId), ['a', 'b', 'c']);
  assert.equal(plan.routes[0]!.stops[2]!.serviceStart, T0 + 1_560_000);
  assert.deepEqual(plan.moves, [
    { jobId: 'b', fromVehicleId: 'broken', toVehicleId: 'v1', fromOrder: 1, toOrder: 1 },
    { jobId: 'c', fromVehicleId: 'v1', toVehicleId: 'v1', fromOrder: 1, toOrder: 2 },
  ]);
});

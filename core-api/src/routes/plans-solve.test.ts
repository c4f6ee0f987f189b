import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { haversineM } from '@fieldtrace/protocol';
import { learnedTravelTimes, SpeedProfile } from '@fieldtrace/travel-time';
import { checkFeasibility, type VroomInput, type VroomSolution } from '@fieldtrace/vrp';
import { travelMatricesFor } from '../planning/travel-matrix.js';
import { openHarness, type Harness } from '../test-support/harness.js';

/** Three jobs around a depot, one vehicle per shift half, custom matrices (seconds; distances 10 m per second). */
function matrixProblem(): VroomInput {
  const durations = [
    [0, 600, 900, 1200],
    [600, 0, 400, 800],
    [900, 400, 0, 500],
    [1200, 800, 500, 0],
  ];
  return {
    vehicles: [
      { id: 1, start_index: 0, end_index: 0, time_window: [28_800, 43_200] },
      { id: 2, start_index: 0, end_index: 0, time_window: [28_800, 43_200] },
    ],
    jobs: [
      { id: 11, location_index: 1, service: 300, time_windows: [[30_000, 33_000]] },
      { id: 12, location_index: 2, service: 300 },
      { id: 13, location_index: 3, service: 300, time_windows: [[36_000, 40_000]] },
    ],
    matrices: { car: { durations, distances: durations.map((row) => row.map((s) => s * 10)) } },
  };
}

/** VROOM's documented shape without matrices: a routing engine (here, the tenant's travel times) supplies them. */
function coordinatesProblem(): VroomInput {
  return {
    vehicles: [{ id: 1, start: [-2.9916, 53.4084], end: [-2.9916, 53.4084] }],
    jobs: [
      { id: 1, location: [-2.9700, 53.4100], service: 600 },
      { id: 2, location: [-2.9500, 53.4000], service: 600 },
      { id: 3, location: [-3.0100, 53.3900], service: 600 },
    ],
  };
}

/** A VROOM answer as vroom-express would send it (a remote solver's, not ours). */
const REMOTE_ANSWER: VroomSolution = {
  code: 0,
  summary: {
    cost: 0, routes: 0, unassigned: 1, setup: 0, service: 0, duration: 0, waiting_time: 0, priority: 0, violations: [],
    computing_times: { loading: 3, solving: 7 },
  },
  unassigned: [{ id: 1, type: 'job', location: [-2.97, 53.41] }],
  routes: [],
};

const harnesses: Harness[] = [];
after(() => Promise.all(harnesses.map((h) => h.close())));

describe('POST /v1/plans/solve with the embedded solver', () => {
  let h: Harness;
  let dispatcher: string;
  before(async () => {
    h = await openHarness({ config: { PLAN_BUDGET_MS: 200 } });
    harnesses.push(h);
    const admin = await h.tenant('solve');
    dispatcher = await h.key(admin, 'dispatcher');
  });

  test('a VROOM problem goes in and a feasible VROOM solution comes out, marked as the embedded solver’s', async () => {
    const input = matrixProblem();
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, input);
    assert.equal(res.statusCode, 200, res.body);
    const output = res.json() as VroomSolution;
    assert.equal(output.code, 0);
    assert.deepEqual(output.fieldtrace, { backend: 'embedded' });
    assert.deepEqual(checkFeasibility(input, output), []);
    assert.equal(output.unassigned.length, 0, 'every job fits');
    const served = output.routes.flatMap((r) => r.steps.filter((s) => s.type === 'job').map((s) => s.id)).sort();
    assert.deepEqual(served, [11, 12, 13]);
  });

  test('without matrices the tenant’s travel times supply them, one row per place', async () => {
    const input = coordinatesProblem();
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, input);
    assert.equal(res.statusCode, 200, res.body);
    const output = res.json() as VroomSolution;
    // Nothing learned yet: the priors, great circle × 1.3 at 8.3 m/s (the harness's defaults).
    const learned = learnedTravelTimes(new SpeedProfile({ priorSpeedMs: 8.3, priorDetourFactor: 1.3 }));
    const matrices = await travelMatricesFor(input, async () => learned, h.clock.now());
    assert.deepEqual(checkFeasibility(input, output, { matrices: matrices! }), []);
    const [route] = output.routes;
    const first = route!.steps[1]!;
    const job = input.jobs!.find((j) => j.id === first.id)!;
    const expectedS = (haversineM(53.4084, -2.9916, job.location![1], job.location![0]) * 1.3) / 8.3;
    assert.ok(Math.abs(first.arrival - expectedS) <= 1, `first arrival ${first.arrival} s, expected ${expectedS.toFixed(0)} s`);
    assert.ok(route!.distance! > 0, 'distances come with the durations');
  });

  test("an invalid problem is a 400 carrying VROOM's message and code", async () => {
    const input = matrixProblem();
    input.jobs!.push({ id: 11, location_index: 2 });
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, input);
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const problem = res.json();
    assert.equal(problem.code, 'FT_VROOM_INPUT');
    assert.equal(problem.vroomCode, 2);
    assert.match(problem.detail, /Duplicate job id: 11\./);

    const noVehicles = await h.call('POST', '/v1/plans/solve', dispatcher, { jobs: [] });
    assert.equal(noVehicles.statusCode, 400);
    assert.match(noVehicles.json().detail, /vehicles/);
  });

  test('past two solves at once a third is told to come back (503 with Retry-After) rather than slowing the others', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => h.call('POST', '/v1/plans/solve', dispatcher, matrixProblem())));
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 200, 503]);
    const busy = answers.find((r) => r.statusCode === 503)!;
    assert.equal(busy.json().code, 'FT_SOLVER_BUSY');
    assert.equal(busy.headers['retry-after'], '2');
    assert.equal((await h.call('POST', '/v1/plans/solve', dispatcher, matrixProblem())).statusCode, 200, 'free again afterwards');
  });

  test('only dispatchers and admins may solve', async () => {
    const analyst = await h.key(await h.tenant('solve-ro'), 'analyst');
    assert.equal((await h.call('POST', '/v1/plans/solve', analyst, matrixProblem())).statusCode, 403);
  });
});

describe('POST /v1/plans/solve with VROOM_URL', () => {
  let h: Harness;
  let dispatcher: string;
  let server: Server;
  const received: { method: string; contentType: string; body: unknown }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as VroomInput;
        received.push({ method: req.method ?? '', contentType: String(req.headers['content-type']), body });
        res.setHeader('content-type', 'application/json');
        // vroom-express answers VROOM's input errors with HTTP 400.
        if (body.vehicles[0]?.description === 'too-far') {
          res.statusCode = 400;
          res.end(JSON.stringify({ code: 2, error: 'Invalid vehicle description.' }));
          return;
        }
        res.end(JSON.stringify(REMOTE_ANSWER));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    h = await openHarness({ config: { VROOM_URL: url, VROOM_TIMEOUT_MS: 2000, VROOM_RETRIES: 0, PLAN_BUDGET_MS: 200 } });
    harnesses.push(h);
    dispatcher = await h.key(await h.tenant('remote'), 'dispatcher');
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('vroom-express receives exactly the input and its answer is passed on, marked remote', async () => {
    const input = { ...coordinatesProblem(), options: { g: false } };
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, input);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(received, [{ method: 'POST', contentType: 'application/json', body: input }]);
    assert.deepEqual(res.json(), { ...REMOTE_ANSWER, fieldtrace: { backend: 'remote' } });
  });

  test("vroom-express's own input error comes back as a 400 with its message", async () => {
    const input = coordinatesProblem();
    input.vehicles[0]!.description = 'too-far';
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, input);
    assert.equal(res.statusCode, 400);
    assert.deepEqual([res.json().vroomCode, res.json().detail], [2, 'Invalid vehicle description.']);
  });

  test('an invalid problem is refused here and never reaches vroom-express', async () => {
    const before = received.length;
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, { vehicles: [{ id: 1 }], jobs: [{ id: 1, location: [0, 0] }] });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().vroomCode, 2);
    assert.equal(received.length, before);
  });

  test('with vroom-express down the embedded solver answers, marked as the fallback and why', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    const input = matrixProblem();
    const res = await h.call('POST', '/v1/plans/solve', dispatcher, input);
    assert.equal(res.statusCode, 200, res.body);
    const output = res.json() as VroomSolution;
    assert.equal(output.fieldtrace?.backend, 'embedded');
    assert.match(output.fieldtrace?.fallbackReason ?? '', /unreachable/);
    assert.deepEqual(checkFeasibility(input, output), []);
    assert.equal(output.unassigned.length, 0);
  });
});

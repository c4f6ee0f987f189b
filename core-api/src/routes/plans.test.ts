import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { busFilter, type EntityChanged, type Job, type JobStatusChange, type Plan } from '@fieldtrace/protocol';
import { savePlan } from '@fieldtrace/store';
import { openHarness, recordBus, type Harness } from '../test-support/harness.js';

let h: Harness;
before(async () => {
  h = await openHarness();
});
after(() => h.close());

const T0 = Date.UTC(2025, 5, 2, 9, 0, 0);
const SHIFT_START = Date.UTC(2025, 5, 2, 7, 0, 0);
const SHIFT_END = Date.UTC(2025, 5, 2, 17, 0, 0);

describe('planning fields on jobs and vehicles', () => {
  let dispatcher: string;
  before(async () => {
    const admin = await h.tenant('fields');
    dispatcher = await h.key(admin, 'dispatcher');
    await h.call('POST', '/v1/sites', dispatcher, { id: 'site-1', name: 'Site 1', location: [-1.9, 52.48] });
  });

  test('a job carries priority, service time and required skills, with defaults 0, 1800 s and none', async () => {
    const plain = await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-plain', siteId: 'site-1', title: 'Quote' });
    assert.equal(plain.statusCode, 201);
    assert.deepEqual([plain.json().priority, plain.json().serviceS, plain.json().requiredSkills], [0, 1800, []]);

    const urgent = await h.call('POST', '/v1/jobs', dispatcher, {
      id: 'j-urgent', siteId: 'site-1', title: 'Gas leak', priority: 100, serviceS: 2700, requiredSkills: ['gas-safe', 'ladder'],
    });
    assert.equal(urgent.statusCode, 201, urgent.body);
    const got = (await h.call('GET', '/v1/jobs/j-urgent', dispatcher)).json() as Job;
    assert.deepEqual([got.priority, got.serviceS, got.requiredSkills], [100, 2700, ['gas-safe', 'ladder']]);

    const patched = (await h.call('PATCH', '/v1/jobs/j-urgent', dispatcher, { priority: 40 })).json() as Job;
    assert.deepEqual([patched.priority, patched.serviceS, patched.requiredSkills], [40, 2700, ['gas-safe', 'ladder']], 'other fields kept');
    const cleared = (await h.call('PATCH', '/v1/jobs/j-urgent', dispatcher, { requiredSkills: [] })).json() as Job;
    assert.deepEqual(cleared.requiredSkills, []);

    const tooHigh = await h.call('PATCH', '/v1/jobs/j-urgent', dispatcher, { priority: 101 });
    assert.equal(tooHigh.statusCode, 400);
    assert.match(tooHigh.json().detail, /body\/priority/);
  });

  test('a vehicle has a shift (Unix ms), which PATCH changes, clears with null, and never lets end before start', async () => {
    const created = await h.call('POST', '/v1/vehicles', dispatcher, { id: 'van-1', name: 'Van 1', shiftStart: SHIFT_START, shiftEnd: SHIFT_END });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual([created.json().shiftStart, created.json().shiftEnd], [SHIFT_START, SHIFT_END]);
    const open = (await h.call('POST', '/v1/vehicles', dispatcher, { id: 'van-2', name: 'Van 2' })).json();
    assert.deepEqual([open.shiftStart, open.shiftEnd], [null, null]);

    const renamed = (await h.call('PATCH', '/v1/vehicles/van-1', dispatcher, { name: 'Van one' })).json();
    assert.deepEqual([renamed.shiftStart, renamed.shiftEnd], [SHIFT_START, SHIFT_END], 'absent: kept');
    const later = (await h.call('PATCH', '/v1/vehicles/van-1', dispatcher, { shiftEnd: SHIFT_END + 3_600_000 })).json();
    assert.deepEqual([later.shiftStart, later.shiftEnd], [SHIFT_START, SHIFT_END + 3_600_000]);
    const cleared = (await h.call('PATCH', '/v1/vehicles/van-1', dispatcher, { shiftStart: null })).json();
    assert.deepEqual([cleared.shiftStart, cleared.shiftEnd], [null, SHIFT_END + 3_600_000], 'null: cleared');

    const backwards = await h.call('POST', '/v1/vehicles', dispatcher, { id: 'van-3', name: 'Van 3', shiftStart: SHIFT_END, shiftEnd: SHIFT_START });
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.json().detail, /shiftEnd/);
    // Only one bound sent, crossing the stored other one.
    const crossing = await h.call('PATCH', '/v1/vehicles/van-1', dispatcher, { shiftStart: SHIFT_END + 7_200_000 });
    assert.equal(crossing.statusCode, 400);
    assert.equal((await h.call('GET', '/v1/vehicles/van-1', dispatcher)).json().shiftStart, null, 'refused: nothing changed');
    assert.equal((await h.call('PATCH', '/v1/vehicles/ghost', dispatcher, { shiftStart: SHIFT_START })).statusCode, 404);
  });
});

/** A plan as the re-planning service makes it. */
function planOf(tenantId: string, id: string, createdAt: number, routes: Record<string, string[]>, unassigned: string[] = []): Plan {
  return {
    v: 1, id, tenantId, createdAt, status: 'proposed', backend: 'embedded',
    trigger: { kind: 'new_job', jobId: 'j1', detail: 'Job j1 added' },
    routes: Object.entries(routes).map(([vehicleId, jobs]) => ({
      vehicleId,
      stops: jobs.map((jobId, i) => ({ jobId, arrival: createdAt + (i + 1) * 600_000, serviceStart: createdAt + (i + 1) * 600_000 })),
      durationS: jobs.length * 600,
      distanceM: jobs.length * 5000,
    })),
    unassigned,
    moves: [],
  };
}

describe('plans', () => {
  let admin: string;
  let dispatcher: string;
  let analyst: string;
  before(async () => {
    admin = await h.tenant('plans');
    dispatcher = await h.key(admin, 'dispatcher');
    analyst = await h.key(admin, 'analyst');
    for (const site of ['s1', 's2', 's3']) await h.call('POST', '/v1/sites', dispatcher, { id: site, name: site, location: [-1.9, 52.48] });
    for (const v of ['v1', 'v2']) await h.call('POST', '/v1/vehicles', dispatcher, { id: v, name: v.toUpperCase() });
    const jobs = [
      { id: 'j1', siteId: 's1', title: 'New' },
      { id: 'j2', siteId: 's2', title: 'Two', vehicleId: 'v1', routeOrder: 0 },
      { id: 'j3', siteId: 's3', title: 'Three', vehicleId: 'v1', routeOrder: 1 },
      { id: 'j4', siteId: 's1', title: 'Under way', vehicleId: 'v2', routeOrder: 0, status: 'en_route' },
      { id: 'j5', siteId: 's2', title: 'Dropped', vehicleId: 'v2', routeOrder: 1 },
      { id: 'j6', siteId: 's3', title: 'Done', vehicleId: 'v1', routeOrder: 2, status: 'completed' },
    ];
    for (const j of jobs) assert.equal((await h.call('POST', '/v1/jobs', dispatcher, j)).statusCode, 201);
  });

  test('plans are listed newest first and fetched by id, with the VROOM problem they came from, in their tenant only', async () => {
    await savePlan(h.db, planOf('plans', 'p-old', T0 - 60_000, { v1: ['j2'] }), { vehicles: [], jobs: [] }, { code: 0 });
    await savePlan(h.db, planOf('plans', 'p-new', T0, { v1: ['j3', 'j1', 'j6'], v2: ['j4', 'j2'] }, ['j5']), { vehicles: [{ id: 1 }] });
    assert.equal(await savePlan(h.db, planOf('plans', 'p-new', T0, {})), false, 'saving is idempotent on the id');

    const listed = await h.call('GET', '/v1/plans', analyst);
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(listed.json().map((p: Plan) => [p.id, p.status]), [['p-new', 'proposed'], ['p-old', 'proposed']]);
    assert.deepEqual((await h.call('GET', '/v1/plans?limit=1', analyst)).json().map((p: Plan) => p.id), ['p-new']);

    const one = (await h.call('GET', '/v1/plans/p-new', analyst)).json() as Plan;
    assert.deepEqual(one.routes.map((r) => [r.vehicleId, r.stops.map((s) => s.jobId)]), [['v1', ['j3', 'j1', 'j6']], ['v2', ['j4', 'j2']]]);
    assert.deepEqual((await h.call('GET', '/v1/plans/p-new/vroom', analyst)).json(), { input: { vehicles: [{ id: 1 }] }, output: null });

    const stranger = await h.tenant('plans-other');
    assert.equal((await h.call('GET', '/v1/plans/p-new', stranger)).statusCode, 404);
    assert.deepEqual((await h.call('GET', '/v1/plans', stranger)).json(), []);
  });

  test('applying a plan places its jobs, unplaces the ones it leaves out, supersedes the other proposals, and tells the bus', async () => {
    const statuses = await recordBus<JobStatusChange>(h.bus, busFilter('job'));
    const changed = await recordBus<EntityChanged>(h.bus, busFilter('changed'));
    const plans = await recordBus<Plan>(h.bus, busFilter('plan'));
    h.clock.set(T0 + 120_000);

    assert.equal((await h.call('POST', '/v1/plans/p-new/apply', analyst)).statusCode, 403, 'analysts only look');
    const res = await h.call('POST', '/v1/plans/p-new/apply', dispatcher);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().status, res.json().appliedAt], ['applied', T0 + 120_000]);

    const jobs = new Map(((await h.call('GET', '/v1/jobs', dispatcher)).json() as Job[]).map((j) => [j.id, j]));
    const place = (id: string) => [jobs.get(id)!.vehicleId, jobs.get(id)!.routeOrder, jobs.get(id)!.status];
    assert.deepEqual(place('j3'), ['v1', 0, 'assigned']);
    assert.deepEqual(place('j1'), ['v1', 1, 'assigned'], "a scheduled job given a vehicle is 'assigned'");
    assert.deepEqual(place('j6'), ['v1', 2, 'completed'], 'a finished job listed by a stale plan is left alone');
    assert.deepEqual(place('j4'), ['v2', 0, 'en_route']);
    assert.deepEqual(place('j2'), ['v2', 1, 'assigned']);
    assert.deepEqual(place('j5'), [null, null, 'scheduled'], 'left out of the plan: back to the unassigned pool');

    const at = T0 + 120_000;
    assert.deepEqual(statuses.messages.map((m) => m.message), [
      { v: 1, tenantId: 'plans', jobId: 'j1', from: 'scheduled', to: 'assigned', ts: at, cause: 'planner' },
      { v: 1, tenantId: 'plans', jobId: 'j5', from: 'assigned', to: 'scheduled', ts: at, cause: 'planner' },
    ]);
    assert.deepEqual(changed.messages.map((m) => m.message.id), ['j1', 'j2', 'j3', 'j5'], 'only the jobs that changed are reloaded');
    assert.deepEqual(plans.messages.map((m) => [m.topic, m.message.id, m.message.status]), [
      ['ft/plans/bus/plan', 'p-new', 'applied'],
      ['ft/plans/bus/plan', 'p-old', 'superseded'],
    ]);
    const events = await h.db.query<{ id: string; data: JobStatusChange }>(
      "SELECT id, data FROM events WHERE tenant_id = 'plans' AND data->>'cause' = 'planner' ORDER BY id",
    );
    assert.deepEqual(events.map((e) => e.id), [`job:j1:assigned:${at}`, `job:j5:scheduled:${at}`]);

    assert.equal((await h.call('GET', '/v1/plans/p-old', dispatcher)).json().status, 'superseded');
    const again = await h.call('POST', '/v1/plans/p-new/apply', dispatcher);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'FT_PLAN_NOT_PROPOSED');
    assert.match(again.json().detail, /is applied/);
    assert.equal((await h.call('POST', '/v1/plans/p-old/apply', dispatcher)).statusCode, 409, 'a superseded plan is history');
    assert.equal((await h.call('POST', '/v1/plans/nope/apply', dispatcher)).statusCode, 404);
    assert.equal(statuses.messages.length, 2, 'refused applies publish nothing');
    await Promise.all([statuses.stop(), changed.stop(), plans.stop()]);
  });

  test('a plan never takes a job under way from its vehicle, and only orders it when it stays there', async () => {
    await savePlan(h.db, planOf('plans', 'p-steal', T0 + 180_000, { v1: ['j4', 'j3'], v2: ['j2'] }));
    const res = await h.call('POST', '/v1/plans/p-steal/apply', dispatcher);
    assert.equal(res.statusCode, 200);
    const j4 = (await h.call('GET', '/v1/jobs/j4', dispatcher)).json() as Job;
    assert.deepEqual([j4.vehicleId, j4.routeOrder, j4.status], ['v2', 0, 'en_route']);
    const j3 = (await h.call('GET', '/v1/jobs/j3', dispatcher)).json() as Job;
    assert.deepEqual([j3.vehicleId, j3.routeOrder], ['v1', 1]);
  });

  test('rejecting leaves the jobs as they are and publishes the rejected plan; only a proposed plan can be rejected', async () => {
    await savePlan(h.db, planOf('plans', 'p-no', T0 + 240_000, { v1: ['j5'] }));
    const plans = await recordBus<Plan>(h.bus, busFilter('plan'));
    const res = await h.call('POST', '/v1/plans/p-no/reject', dispatcher);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'rejected');
    assert.equal(res.json().appliedAt, undefined);
    assert.deepEqual(plans.messages.map((m) => [m.message.id, m.message.status]), [['p-no', 'rejected']]);
    assert.equal((await h.call('GET', '/v1/jobs/j5', dispatcher)).json().vehicleId, null);
    assert.equal((await h.call('POST', '/v1/plans/p-no/reject', dispatcher)).statusCode, 409);
    assert.equal((await h.call('POST', '/v1/plans/p-no/apply', dispatcher)).statusCode, 409);
    assert.equal((await h.call('POST', '/v1/plans/nope/reject', dispatcher)).statusCode, 404);
    assert.deepEqual((await h.call('GET', '/v1/plans?status=rejected', dispatcher)).json().map((p: Plan) => p.id), ['p-no']);
    await plans.stop();
  });

  test('asking for a re-plan puts a request for the planner on the bus and answers 202', async () => {
    const bus = await recordBus<unknown>(h.bus, busFilter('plan'));
    const res = await h.call('POST', '/v1/plans', dispatcher, { detail: 'Van 2 broke down' });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { trigger: { kind: 'manual', detail: 'Van 2 broke down' } });
    const plain = await h.call('POST', '/v1/plans', dispatcher, {});
    assert.match(plain.json().trigger.detail, /requested by/);
    assert.deepEqual(bus.messages[0], {
      topic: 'ft/plans/bus/plan',
      message: { v: 1, tenantId: 'plans', trigger: { kind: 'manual', detail: 'Van 2 broke down' }, request: true },
    });
    assert.equal(bus.messages.length, 2);
    assert.equal((await h.call('POST', '/v1/plans', analyst, {})).statusCode, 403);
    await bus.stop();
  });

  test('automatic apply is off until an admin turns it on', async () => {
    assert.deepEqual((await h.call('GET', '/v1/settings/planning', analyst)).json(), { autoApply: false });
    assert.equal((await h.call('PUT', '/v1/settings/planning', dispatcher, { autoApply: true })).statusCode, 403);
    const put = await h.call('PUT', '/v1/settings/planning', admin, { autoApply: true });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { autoApply: true });
    assert.deepEqual((await h.call('GET', '/v1/settings/planning', dispatcher)).json(), { autoApply: true });
    const [row] = await h.db.query<{ plan_auto_apply: boolean }>("SELECT plan_auto_apply FROM tenants WHERE id = 'plans'");
    assert.equal(row?.plan_auto_apply, true);
    assert.equal((await h.call('PUT', '/v1/settings/planning', admin, { autoApply: 'yes' })).statusCode, 400);
  });
});

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  busFilter, busTopic, offsetLatLon, WIRE_VERSION, type EntityChanged, type JobStatusChange, type Plan,
} from '@fieldtrace/protocol';
import { createLocalBus, loadConfig, silentLogger, type Bus } from '@fieldtrace/service-kit';
import { openStore, type Db } from '@fieldtrace/store';
import { checkFeasibility, type VroomInput, type VroomOutput } from '@fieldtrace/vrp';
import { buildProcessors, type Processors } from '../adapter.js';
import { ProcessorsConfigSchema } from '../config.js';
import { LIVERPOOL } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const NOW = Date.UTC(2026, 0, 26, 9, 0, 0);
let db: Db;
let bus: Bus;
let processors: Processors;
const plans: Plan[] = [];
const jobChanges: JobStatusChange[] = [];

async function site(id: string, bearing: number, km: number): Promise<void> {
  const [lat, lon] = offsetLatLon(LAT, LON, bearing, km * 1000);
  await db.query(
    `INSERT INTO geofences (tenant_id, id, name, site_id, shape, kind) VALUES ('t1', $1, $1, $2, $3::jsonb, 'site')`,
    [`gf-${id}`, id, JSON.stringify({ type: 'circle', center: [lon, lat], radiusM: 60 })],
  );
  await db.query(`INSERT INTO sites (tenant_id, id, name, lon, lat, geofence_id) VALUES ('t1', $1, $1, $2, $3, $4)`, [id, lon, lat, `gf-${id}`]);
}

async function job(id: string, siteId: string, vehicleId: string | null, routeOrder: number | null, extra: { priority?: number; skills?: string[] } = {}) {
  await db.query(
    `INSERT INTO jobs (tenant_id, id, site_id, title, status, vehicle_id, route_order, priority, service_s, required_skills,
                       window_start, window_end)
     VALUES ('t1', $1, $2, $1, $3, $4, $5, $6, 900, $7, to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0))`,
    [id, siteId, vehicleId ? 'assigned' : 'scheduled', vehicleId, routeOrder, extra.priority ?? 0, extra.skills ?? [], NOW, NOW + 8 * 3600_000],
  );
}

before(async () => {
  db = await openStore({ pgliteThread: 'inline' }, silentLogger);
  await db.query("INSERT INTO tenants (id, name, plan_auto_apply) VALUES ('t1', 'T1', true)");
  await db.query("INSERT INTO crews (tenant_id, id, name, skills) VALUES ('t1', 'plumbers', 'Plumbers', '{backflow}'), ('t1', 'general', 'General', '{}')");
  for (const [v, crew, bearing] of [['north', 'general', 0], ['south', 'plumbers', 180]] as const) {
    const [lat, lon] = offsetLatLon(LAT, LON, bearing, 3000);
    await db.query("INSERT INTO vehicles (tenant_id, id, name, crew_id) VALUES ('t1', $1, $1, $2)", [v, crew]);
    await db.query("INSERT INTO devices (tenant_id, id, kind, vehicle_id, secret_hash) VALUES ('t1', $1, 'truck', $2, 'x')", [`dev-${v}`, v]);
    await db.query(
      `INSERT INTO positions (tenant_id, device_id, seq, ts, received_at, lat, lon, fix)
       VALUES ('t1', $1, 1, to_timestamp($2 / 1000.0), to_timestamp($2 / 1000.0), $3, $4, '3d')`,
      [`dev-${v}`, NOW - 30_000, lat, lon],
    );
  }
  await site('n1', 0, 4);
  await site('n2', 0, 6);
  await site('s1', 180, 4);
  await site('s2', 180, 6);
  // Deliberately poor: the north truck has a southern job.
  await job('j-n1', 'n1', 'north', 0);
  await job('j-s2', 's2', 'north', 1);
  await job('j-s1', 's1', 'south', 0);
  bus = createLocalBus(silentLogger);
  await bus.subscribe(busFilter('plan'), (_t, m) => plans.push(m as Plan));
  await bus.subscribe(busFilter('job'), (_t, m) => jobChanges.push(m as JobStatusChange));
  const config = loadConfig(ProcessorsConfigSchema, { PLAN_DEBOUNCE_MS: '20', PLAN_BUDGET_MS: '300' });
  processors = buildProcessors(config, { db, bus, logger: silentLogger, clock: { now: () => NOW } });
  await processors.start();
});

after(async () => {
  await processors.close();
  await bus.close();
  await db.close();
});

test('a new urgent job needing a certified crew is slotted into that crew’s route, and nothing else moves', async () => {
  await site('n3', 0, 5);
  await job('urgent', 'n3', null, null, { priority: 100, skills: ['backflow'] });
  bus.publish(busTopic('t1', 'job'), { v: WIRE_VERSION, tenantId: 't1', jobId: 'urgent', from: null, to: 'scheduled', ts: NOW, cause: 'api' } satisfies JobStatusChange);
  bus.publish(busTopic('t1', 'changed'), { v: WIRE_VERSION, tenantId: 't1', entity: 'job', id: 'urgent', op: 'upsert' } satisfies EntityChanged);
  await processors.flush();

  const applied = plans.filter((p) => p.status === 'applied');
  assert.equal(applied.length, 1, JSON.stringify(processors.stats().planner));
  const plan = applied[0]!;
  assert.equal(plan.trigger.kind, 'new_job');
  assert.equal(processors.stats().planner?.insertions, 1);
  const route = (p: Plan, v: string) => p.routes.find((r) => r.vehicleId === v)!.stops.map((s) => s.jobId);
  assert.ok(route(plan, 'south').includes('urgent'), `only the plumbers may take it: ${JSON.stringify(plan.routes)}`);
  assert.deepEqual(plan.moves.map((m) => [m.jobId, m.toVehicleId]), [['urgent', 'south']], 'the crews keep their day');
  assert.deepEqual(route(plan, 'north'), ['j-n1', 'j-s2']);

  const [urgent] = await db.query<{ vehicle_id: string; status: string }>("SELECT vehicle_id, status FROM jobs WHERE tenant_id = 't1' AND id = 'urgent'");
  assert.deepEqual([urgent?.vehicle_id, urgent?.status], ['south', 'assigned'], 'applied automatically (the tenant plans automatically)');
  assert.ok(jobChanges.some((c) => c.jobId === 'urgent' && c.to === 'assigned' && c.cause === 'planner'));
});

test('a dispatcher’s re-plan request re-plans the whole day from the current routes: the southern job goes south', async () => {
  bus.publish(busTopic('t1', 'plan'), { v: WIRE_VERSION, tenantId: 't1', trigger: { kind: 'manual', detail: 'Re-plan requested' }, request: true });
  await processors.flush();
  const plan = plans.filter((p) => p.status === 'applied').at(-1)!;
  assert.equal(plan.trigger.kind, 'manual');
  assert.deepEqual(plan.unassigned, []);
  const south = plan.routes.find((r) => r.vehicleId === 'south')!.stops.map((s) => s.jobId);
  assert.ok(south.includes('j-s2') && south.includes('urgent'), JSON.stringify(plan.routes));
  assert.ok(plan.moves.some((m) => m.jobId === 'j-s2' && m.fromVehicleId === 'north' && m.toVehicleId === 'south'));

  // The stored VROOM problem and answer are feasible by the independent checker.
  const [stored] = await db.query<{ vroom_input: VroomInput; vroom_output: VroomOutput }>(
    "SELECT vroom_input, vroom_output FROM plans WHERE tenant_id = 't1' AND id = $1", [plan.id],
  );
  assert.deepEqual(checkFeasibility(stored!.vroom_input, stored!.vroom_output), []);
});

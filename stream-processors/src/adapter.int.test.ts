import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  busFilter, busTopic, offsetLatLon, WIRE_VERSION,
  type AlertChange, type EntityChanged, type EtaUpdate, type GeofenceEvent, type GeofenceShape, type JobStatusChange, type Position,
  type TripEvent,
} from '@fieldtrace/protocol';
import { createLocalBus, loadConfig, silentLogger, type Bus } from '@fieldtrace/service-kit';
import { openStore, type Db } from '@fieldtrace/store';
import { buildProcessors, type Processors } from './adapter.js';
import { ProcessorsConfigSchema } from './config.js';
import { LIVERPOOL, T0 } from './test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
let db: Db;
let bus: Bus;
let processors: Processors;
const geofenceEvents: GeofenceEvent[] = [];
const etaUpdates: EtaUpdate[] = [];
let seq = 0;

function position(lat: number, lon: number, ts: number, tenantId = 'acme'): Position {
  return { v: WIRE_VERSION, tenantId, deviceId: 'dev1', seq: seq++, ts, receivedAt: ts + 200, lat, lon, accuracy: 5, speed: 10, fix: '3d' };
}

function circle(lat: number, lon: number, radiusM: number): string {
  return JSON.stringify({ type: 'circle', center: [lon, lat], radiusM } satisfies GeofenceShape);
}

async function seedTenant(tenantId: string, siteLat: number, siteLon: number): Promise<void> {
  await db.transaction([
    { sql: 'INSERT INTO tenants (id, name) VALUES ($1, $1)', params: [tenantId] },
    { sql: "INSERT INTO vehicles (tenant_id, id, name) VALUES ($1, 'van1', 'Van 1')", params: [tenantId] },
    { sql: "INSERT INTO devices (tenant_id, id, kind, vehicle_id, secret_hash) VALUES ($1, 'dev1', 'truck', 'van1', 'not-a-real-hash')", params: [tenantId] },
    {
      sql: "INSERT INTO geofences (tenant_id, id, name, site_id, shape, kind) VALUES ($1, 'gf-site1', 'Site 1', 'site1', $2::jsonb, 'site')",
      params: [tenantId, circle(siteLat, siteLon, 100)],
    },
    {
      sql: "INSERT INTO sites (tenant_id, id, name, lon, lat, geofence_id) VALUES ($1, 'site1', 'Site 1', $2, $3, 'gf-site1')",
      params: [tenantId, siteLon, siteLat],
    },
    {
      sql: "INSERT INTO jobs (tenant_id, id, site_id, title, status, vehicle_id, route_order) VALUES ($1, 'job1', 'site1', 'Boiler', 'assigned', 'van1', 1)",
      params: [tenantId],
    },
  ]);
}

before(async () => {
  db = await openStore({ pgliteThread: 'inline' }, silentLogger);
  await seedTenant('acme', LAT, LON);
  bus = createLocalBus(silentLogger);
  await bus.subscribe(busFilter('geofence'), (_t, m) => geofenceEvents.push(m as GeofenceEvent));
  await bus.subscribe(busFilter('eta'), (_t, m) => etaUpdates.push(m as EtaUpdate));
  processors = buildProcessors(loadConfig(ProcessorsConfigSchema, {}), { db, bus, logger: silentLogger, clock: { now: () => T0 } });
  await processors.start();
});

after(async () => {
  await processors.close();
  await bus.close();
  await db.close();
});

test('a van driving into its site: an enter on the bus and in `events`, and ETAs for its next job', async () => {
  // From 1 km south, north through the site at 10 m/s, a fix every 5 s.
  const start = offsetLatLon(LAT, LON, 180, 1000);
  for (let k = 0; k < 50; k++) {
    const [lat, lon] = offsetLatLon(start[0], start[1], 0, 50 * k);
    bus.publish(busTopic('acme', 'position'), position(lat, lon, T0 + k * 5000));
  }
  // Geofence events are announced on the bus once they are committed to the event log.
  await processors.flush();
  const atSite = geofenceEvents.filter((e) => e.tenantId === 'acme' && e.fenceKind === 'site');
  assert.deepEqual(atSite.map((e) => e.transition), ['enter', 'exit']);
  // The job's own copy of the site fence (for its assigned van) saw the same crossing.
  const forJob = geofenceEvents.filter((e) => e.tenantId === 'acme' && e.fenceKind === 'job');
  assert.deepEqual(forJob.map((e) => [e.transition, e.geofenceId, e.jobId, e.ts]), atSite.map((e) => [e.transition, 'gf-site1', 'job1', e.ts]));
  const enter = atSite[0]!;
  assert.equal(enter.geofenceId, 'gf-site1');
  assert.equal(enter.siteId, 'site1');
  assert.equal(enter.vehicleId, 'van1');
  assert.equal(enter.jobId, 'job1');

  assert.ok(etaUpdates.length >= 3, `eta updates: ${etaUpdates.length}`);
  assert.equal(etaUpdates[0]!.jobId, 'job1');
  assert.equal(etaUpdates[0]!.basedOnTs, T0);
  assert.ok(etaUpdates[0]!.secondsToGo > 60 && etaUpdates[0]!.secondsToGo < 300, `first ETA ${etaUpdates[0]!.secondsToGo} s for 1 km`);

  const rows = await db.query<{ id: string; kind: string; ts: Date; job_id: string; geofence_id: string; vehicle_id: string; data: GeofenceEvent }>(
    "SELECT id, kind, ts, job_id, geofence_id, vehicle_id, data FROM events WHERE tenant_id = 'acme' AND kind = 'geofence' AND data->>'fenceKind' = 'site' ORDER BY ts",
  );
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.id, enter.id);
  assert.equal(rows[0]!.kind, 'geofence');
  assert.equal(rows[0]!.ts.getTime(), enter.ts);
  assert.equal(rows[0]!.job_id, 'job1');
  assert.equal(rows[0]!.vehicle_id, 'van1');
  assert.deepEqual(rows[0]!.data, enter);
  assert.ok(processors.stats().events.stored >= 2);
});

test('a geofence created at run time is active after its EntityChanged, without a restart', async () => {
  const [lat, lon] = offsetLatLon(LAT, LON, 90, 3000);
  await db.query("INSERT INTO geofences (tenant_id, id, name, shape) VALUES ('acme', 'gf-depot', 'Depot', $1::jsonb)", [circle(lat, lon, 150)]);
  const change: EntityChanged = { v: WIRE_VERSION, tenantId: 'acme', entity: 'geofence', id: 'gf-depot', op: 'upsert' };
  bus.publish(busTopic('acme', 'changed'), change);
  await processors.flush();

  const before = geofenceEvents.length;
  bus.publish(busTopic('acme', 'position'), position(lat, lon, T0 + 3_600_000));
  await processors.flush();
  const fresh = geofenceEvents.slice(before).filter((e) => e.fenceKind !== 'job');
  assert.deepEqual(fresh.map((e) => [e.geofenceId, e.transition]), [['gf-depot', 'enter']]);
  assert.equal(fresh[0]!.siteId, undefined);

  bus.publish(busTopic('acme', 'changed'), { ...change, op: 'delete' } satisfies EntityChanged);
  await db.query("DELETE FROM geofences WHERE tenant_id = 'acme' AND id = 'gf-depot'");
  await processors.flush();
  assert.equal(processors.stats().reloadErrors, 0);
});

test('a tenant created after start is loaded when its first position arrives', async () => {
  const [lat, lon] = offsetLatLon(LAT, LON, 0, 20_000);
  await seedTenant('newco', lat, lon);
  const far = offsetLatLon(lat, lon, 180, 2000);
  bus.publish(busTopic('newco', 'position'), position(far[0], far[1], T0, 'newco'));
  await processors.flush();
  bus.publish(busTopic('newco', 'position'), position(lat, lon, T0 + 60_000, 'newco'));
  await processors.flush();
  const mine = geofenceEvents.filter((e) => e.tenantId === 'newco' && e.fenceKind === 'site');
  assert.deepEqual(mine.map((e) => [e.geofenceId, e.transition, e.jobId]), [['gf-site1', 'enter', 'job1']]);
  assert.ok(etaUpdates.some((u) => u.tenantId === 'newco' && u.jobId === 'job1'));
});

test('telemetry runs a job: en route at the trip start, on site on arrival, departed on leaving; timesheets for the crew', async () => {
  const tenantId = 'jobsco';
  const [lat, lon] = offsetLatLon(LAT, LON, 0, 40_000);
  await seedTenant(tenantId, lat, lon);
  await db.query("INSERT INTO crews (tenant_id, id, name) VALUES ($1, 'crew-a', 'Crew A')", [tenantId]);
  await db.query("UPDATE vehicles SET crew_id = 'crew-a' WHERE tenant_id = $1", [tenantId]);
  await db.query('UPDATE jobs SET window_start = to_timestamp($2 / 1000.0), window_end = to_timestamp($3 / 1000.0) WHERE tenant_id = $1', [
    tenantId, T0, T0 + 3_600_000,
  ]);
  const jobChanges: JobStatusChange[] = [];
  const unsubscribe = await bus.subscribe(busFilter('job'), (_t, m) => jobChanges.push(m as JobStatusChange));
  bus.publish(busTopic(tenantId, 'changed'), { v: WIRE_VERSION, tenantId, entity: 'vehicle', id: 'van1', op: 'upsert' } satisfies EntityChanged);
  await processors.flush();

  // Parked 2 km south, drives north at 10 m/s (a fix every 10 s), stays 10 minutes, drives on north.
  const start = offsetLatLon(lat, lon, 180, 2000);
  let ts = T0;
  const send = (p: readonly [number, number]) => bus.publish(busTopic(tenantId, 'position'), position(p[0], p[1], (ts += 10_000), tenantId));
  for (let k = 0; k < 5; k++) send(start);
  for (let k = 1; k <= 20; k++) send(offsetLatLon(start[0], start[1], 0, 100 * k));
  for (let k = 0; k < 60; k++) send(offsetLatLon(lat, lon, (k * 47) % 360, 4));
  for (let k = 1; k <= 40; k++) send(offsetLatLon(lat, lon, 0, 100 * k));
  await processors.flush();
  await processors.flush(); // the job writer's EntityChanged reloads the directory: settle that too

  const [job] = await db.query<{ status: string; en_route_at: Date; arrived_at: Date; departed_at: Date; started_at: Date }>(
    'SELECT status, en_route_at, arrived_at, departed_at, started_at FROM jobs WHERE tenant_id = $1', [tenantId],
  );
  assert.equal(job?.status, 'on_site', 'on site until the crew completes it');
  const drove = T0 + 50_000; // the first moving fix
  assert.ok(Math.abs(job!.en_route_at.getTime() - drove) <= 10_000, `en route at ${job!.en_route_at.getTime() - T0}`);
  // The 100 m fence is entered 1,900 m into the 2,000 m drive.
  assert.ok(Math.abs(job!.arrived_at.getTime() - (T0 + 50_000 + 190_000)) <= 10_000, `arrived at ${job!.arrived_at.getTime() - T0}`);
  assert.equal(job!.started_at.getTime(), job!.arrived_at.getTime());
  assert.ok(job!.departed_at.getTime() > job!.arrived_at.getTime() + 9 * 60_000);
  assert.deepEqual(jobChanges.filter((c) => c.tenantId === tenantId).map((c) => [c.from, c.to, c.cause]), [
    ['assigned', 'en_route', 'trip'],
    ['en_route', 'on_site', 'geofence'],
  ]);
  const sheets = await db.query<{ kind: string; crew_id: string; seconds: number }>(
    'SELECT kind, crew_id, seconds FROM timesheet_entries WHERE tenant_id = $1 ORDER BY started_at', [tenantId],
  );
  assert.deepEqual(sheets.map((s) => [s.kind, s.crew_id]), [['en_route', 'crew-a'], ['on_site', 'crew-a']]);
  assert.ok(sheets[1]!.seconds >= 9 * 60 && sheets[1]!.seconds <= 12 * 60, `on site ${sheets[1]!.seconds} s`);
  const trips = await db.query<{ data: TripEvent }>("SELECT data FROM events WHERE tenant_id = $1 AND kind = 'trip' ORDER BY ts", [tenantId]);
  assert.ok(trips.some((t) => t.data.kind === 'trip_start'), trips.map((t) => t.data.kind).join());
  await unsubscribe();
});

test('alert rules from the database raise a stored, announced speeding alert', async () => {
  const tenantId = 'alertco';
  const [lat, lon] = offsetLatLon(LAT, LON, 90, 40_000);
  await seedTenant(tenantId, lat, lon);
  const rules = [{ id: 'fast', name: 'Over 30', kind: 'speeding', severity: 'warning', limitKmh: 30, useFenceLimits: true, minDurationS: 10 }];
  await db.query('INSERT INTO alert_rules (tenant_id, rules) VALUES ($1, $2::jsonb)', [tenantId, JSON.stringify(rules)]);
  const changes: AlertChange[] = [];
  const unsubscribe = await bus.subscribe(busFilter('alert'), (_t, m) => changes.push(m as AlertChange));
  bus.publish(busTopic(tenantId, 'changed'), { v: WIRE_VERSION, tenantId, entity: 'vehicle', id: 'van1', op: 'upsert' } satisfies EntityChanged);
  bus.publish(busTopic(tenantId, 'changed'), { v: WIRE_VERSION, tenantId, entity: 'alert_rules', id: tenantId, op: 'upsert' } satisfies EntityChanged);
  await processors.flush();
  // 36 km/h for 30 s, far from the site (whose fence sets no limit).
  for (let k = 0; k < 7; k++) bus.publish(busTopic(tenantId, 'position'), position(...offsetLatLon(lat, lon, 180, 5000 + 50 * k), T0 + k * 5000, tenantId));
  await processors.flush();
  assert.deepEqual(changes.map((c) => [c.change, c.alert.kind, c.alert.subject.vehicleId]), [['raised', 'speeding', 'van1']]);
  const [row] = await db.query<{ status: string; rule_id: string }>('SELECT status, rule_id FROM alerts WHERE tenant_id = $1', [tenantId]);
  assert.deepEqual(row, { status: 'open', rule_id: 'fast' });
  await unsubscribe();
});

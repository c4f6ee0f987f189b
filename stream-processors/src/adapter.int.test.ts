import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  busFilter, busTopic, offsetLatLon, WIRE_VERSION,
  type EntityChanged, type EtaUpdate, type GeofenceEvent, type GeofenceShape, type Position,
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
      sql: "INSERT INTO geofences (tenant_id, id, name, site_id, shape) VALUES ($1, 'gf-site1', 'Site 1', 'site1', $2::jsonb)",
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
  const transitions = geofenceEvents.filter((e) => e.tenantId === 'acme').map((e) => e.transition);
  assert.deepEqual(transitions, ['enter', 'exit']);
  const enter = geofenceEvents[0]!;
  assert.equal(enter.geofenceId, 'gf-site1');
  assert.equal(enter.siteId, 'site1');
  assert.equal(enter.vehicleId, 'van1');
  assert.equal(enter.jobId, 'job1');

  assert.ok(etaUpdates.length >= 3, `eta updates: ${etaUpdates.length}`);
  assert.equal(etaUpdates[0]!.jobId, 'job1');
  assert.equal(etaUpdates[0]!.basedOnTs, T0);
  assert.ok(etaUpdates[0]!.secondsToGo > 60 && etaUpdates[0]!.secondsToGo < 300, `first ETA ${etaUpdates[0]!.secondsToGo} s for 1 km`);

  const rows = await db.query<{ id: string; kind: string; ts: Date; job_id: string; geofence_id: string; vehicle_id: string; data: GeofenceEvent }>(
    "SELECT id, kind, ts, job_id, geofence_id, vehicle_id, data FROM events WHERE tenant_id = 'acme' ORDER BY ts",
  );
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.id, enter.id);
  assert.equal(rows[0]!.kind, 'geofence');
  assert.equal(rows[0]!.ts.getTime(), enter.ts);
  assert.equal(rows[0]!.job_id, 'job1');
  assert.equal(rows[0]!.vehicle_id, 'van1');
  assert.deepEqual(rows[0]!.data, enter);
  assert.equal(processors.stats().events.stored, 2);
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
  const fresh = geofenceEvents.slice(before);
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
  const mine = geofenceEvents.filter((e) => e.tenantId === 'newco');
  assert.deepEqual(mine.map((e) => [e.geofenceId, e.transition, e.jobId]), [['gf-site1', 'enter', 'job1']]);
  assert.ok(etaUpdates.some((u) => u.tenantId === 'newco' && u.jobId === 'job1'));
});

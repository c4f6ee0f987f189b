import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import WebSocket from 'ws';
import { LIVE_PATH, type Job, type LiveItem, type Plan, type Position, type GeofenceEvent } from '@fieldtrace/protocol';
import { silentLogger, systemClock } from '@fieldtrace/service-kit';
import { requireServer, uniqueSchema, waitFor, TEST_DATABASE_URL, TEST_MQTT_URL } from '@fieldtrace/testkit';
import { buildPlatform, type Platform, type PlatformEndpoints } from './index.js';

/**
 * The whole slice, the way a dispatcher sees it: a simulated truck drives to its first job site; its fixes
 * reach a WebSocket client as positions, its arrival as a geofence-enter event, and the fixes are in the store.
 */
async function runSlice(t: import('node:test').TestContext, extraEnv: Record<string, string>) {
  const env = {
    DATA_DIR: ':memory:', HTTP_PORT: '0', MQTT_PORT: '0', INGEST_HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', MQTT_HOST: '127.0.0.1',
    SIM_TRUCKS: '1', SIM_DRONES: '0', DEMO_INSPECTION: 'false', SIM_SPEEDUP: '40', SIM_GAP_PER_MIN: '0', TENANT_ID: 'slice', LOG_LEVEL: 'silent',
    ...extraEnv,
  };
  const platform: Platform = await buildPlatform(env, { logger: silentLogger, clock: systemClock });
  const endpoints: PlatformEndpoints = await platform.start();
  t.after(() => platform.close());

  const items: LiveItem[] = [];
  const ws = new WebSocket(`${endpoints.apiUrl.replace('http', 'ws')}${LIVE_PATH}?key=${encodeURIComponent(endpoints.tenantAdminKey)}`);
  t.after(() => ws.close());
  ws.on('message', (data) => items.push(...(JSON.parse(data.toString()) as LiveItem[])));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });

  const position = await waitFor('a position on the live feed', () => items.find((i) => i.type === 'position')?.data as Position | undefined, 30_000);
  assert.equal(position.tenantId, env.TENANT_ID);
  const enter = await waitFor(
    'a geofence enter on the live feed',
    () => items.find((i) => i.type === 'geofence' && (i.data as GeofenceEvent).transition === 'enter')?.data as GeofenceEvent | undefined,
    60_000,
  );
  assert.equal(enter.deviceId, position.deviceId);
  assert.ok(enter.siteId, 'the enter event names the job site');
  assert.ok(items.some((i) => i.type === 'eta'), 'an ETA for the truck\'s next job was published');

  // The fix the map showed is in the store, and the event is in the event log.
  const auth = { authorization: `Bearer ${endpoints.tenantAdminKey}` };
  const history = (await (await fetch(`${endpoints.apiUrl}/v1/devices/${position.deviceId}/positions?from=0&to=${Date.now() + 86_400_000}&limit=10000`, { headers: auth })).json()) as unknown;
  const rows = Array.isArray(history) ? history : ((history as { items?: unknown[]; positions?: unknown[] }).items ?? (history as { positions?: unknown[] }).positions ?? []);
  // The simulator runs its clock ahead (SIM_SPEEDUP), so its fixes can carry event times later than now.
  assert.ok((rows as { seq: number }[]).some((r) => r.seq === position.seq), 'the live position is in the stored history');
  const events = (await (await fetch(`${endpoints.apiUrl}/v1/events?from=0`, { headers: auth })).json()) as unknown;
  const eventRows = Array.isArray(events) ? events : ((events as { items?: unknown[] }).items ?? []);
  assert.ok((eventRows as { id: string }[]).some((e) => e.id === enter.id), 'the geofence event is in the event log');
  return { platform, endpoints };
}

test('the full slice on embedded defaults (aedes, PGlite)', { timeout: 120_000 }, async (t) => {
  await runSlice(t, {});
});

test('the simulated fleet runs its day by itself: a truck’s job goes on site from telemetry, with a timesheet', { timeout: 150_000 }, async (t) => {
  const { endpoints } = await runSlice(t, { SIM_SPEEDUP: '60' });
  const auth = { authorization: `Bearer ${endpoints.tenantAdminKey}` };
  const rules = (await (await fetch(`${endpoints.apiUrl}/v1/alert-rules`, { headers: auth })).json()) as { id: string }[];
  assert.ok(rules.length >= 3, 'the demo tenant starts with alert rules');
  const onSite = await waitFor('a job on site', async () => {
    const jobs = (await (await fetch(`${endpoints.apiUrl}/v1/jobs?status=on_site`, { headers: auth })).json()) as Job[];
    return jobs.find((j) => j.arrivedAt !== null);
  }, 120_000, 1000);
  assert.ok(onSite.enRouteAt !== null && onSite.enRouteAt <= onSite.arrivedAt!, 'it went en route before arriving');
  const sheet = (await (await fetch(`${endpoints.apiUrl}/v1/jobs/${onSite.id}/timesheet`, { headers: auth })).json()) as { totals: { en_route: number } };
  assert.ok(sheet.totals.en_route > 0, 'time en route is on its timesheet');

  // An urgent job nobody was given: the planner puts it on a route by itself (the demo tenant applies plans).
  const json = { ...auth, 'content-type': 'application/json' };
  const [site] = (await (await fetch(`${endpoints.apiUrl}/v1/sites`, { headers: auth })).json()) as { id: string }[];
  const created = await fetch(`${endpoints.apiUrl}/v1/jobs`, {
    method: 'POST', headers: json, body: JSON.stringify({ id: 'urgent-leak', siteId: site!.id, title: 'Burst pipe', priority: 100, serviceS: 600 }),
  });
  assert.equal(created.status, 201, await created.text());
  const planned = await waitFor('the urgent job on a route', async () => {
    const job = (await (await fetch(`${endpoints.apiUrl}/v1/jobs/urgent-leak`, { headers: auth })).json()) as Job;
    return job.vehicleId !== null ? job : undefined;
  }, 60_000, 500);
  assert.equal(planned.status, 'assigned');
  const [plan] = (await (await fetch(`${endpoints.apiUrl}/v1/plans?limit=1`, { headers: auth })).json()) as Plan[];
  assert.equal(plan?.status, 'applied');
  assert.ok(plan!.routes.some((r) => r.stops.some((s) => s.jobId === 'urgent-leak')));
});

test('the full slice against the real PostgreSQL', { timeout: 120_000 }, async (t) => {
  const skip = await requireServer('PostgreSQL', TEST_DATABASE_URL);
  if (skip.skip) return t.skip(skip.skip);
  const schema = uniqueSchema('slice');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  t.after(async () => {
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  });
  const url = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
  const { platform } = await runSlice(t, { DATABASE_URL: url });
  assert.equal(platform.db.kind, 'postgres');
  const [row] = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".positions`).then((r) => r.rows as { n: number }[]);
  assert.ok(row!.n > 0);
});

test('the full slice through the real Mosquitto (external-broker mode)', { timeout: 120_000 }, async (t) => {
  const skip = await requireServer('Mosquitto', TEST_MQTT_URL);
  if (skip.skip) return t.skip(skip.skip);
  const unique = `${process.pid}x${Date.now().toString(36)}`;
  const { endpoints, platform } = await runSlice(t, {
    MQTT_URL: TEST_MQTT_URL, MQTT_PROTOCOL_VERSION: '5', TENANT_ID: `slice${unique}`,
    INGEST_SHARE_GROUP: `slice${unique}`, INGEST_CLIENT_ID: `ft-ingest-slice-${unique}`, INGEST_SESSION_EXPIRY_S: '10',
  });
  assert.equal(endpoints.mqttUrl, TEST_MQTT_URL);
  assert.equal(endpoints.mqttWsUrl, null, 'no embedded broker in external mode');
  assert.ok(platform.ingest.metrics.accepted.fix! > 0);
});

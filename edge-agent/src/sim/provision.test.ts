import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldtraceError } from '@fieldtrace/service-kit';
import { syntheticGrid } from '../osm/synthetic-grid.js';
import { T0 } from '../test-support.js';
import { generateFleet } from './fleet.js';
import { provisionFleet } from './provision.js';

const graph = syntheticGrid({ centerLat: 43.7384, centerLon: 7.4246 });
const fleet = generateFleet({ tenantId: 'demo', trucks: 6, seed: 1, jobsPerTruck: 3, graph, now: T0 });

interface Call {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  auth: string | null;
}

function fakeApi(respond: (call: Call, calls: Call[]) => Response) {
  const calls: Call[] = [];
  let active = 0;
  let maxActive = 0;
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setImmediate(r));
    const headers = new Headers(init?.headers);
    const call = {
      method: init?.method ?? 'GET',
      path: new URL(String(url)).pathname,
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : null,
      auth: headers.get('authorization'),
    };
    calls.push(call);
    active--;
    return respond(call, calls);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls, maxActive: () => maxActive };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('provisioning creates vehicles and sites, then devices (returning their secrets), then jobs, 8 at a time', async () => {
  const api = fakeApi((call) =>
    call.path === '/v1/devices' ? json(201, { device: { id: call.body!.id }, secret: `s3cret-${String(call.body!.id)}`, mqttUsername: `demo/d/${String(call.body!.id)}` }) : json(201, call.body),
  );
  const credentials = await provisionFleet({ apiUrl: 'http://api.test/', apiKey: 'k-123', fetch: api.fetch }, fleet);

  assert.deepEqual(
    credentials.map((c) => c.deviceId),
    fleet.devices.map((d) => d.id),
  );
  assert.equal(credentials[0]!.secret, 's3cret-dev-truck-01');
  assert.equal(credentials[0]!.mqttUsername, 'demo/d/dev-truck-01');
  assert.ok(api.calls.every((c) => c.auth === 'Bearer k-123'));
  const order = api.calls.map((c) => c.path);
  const lastOf = (p: string) => order.lastIndexOf(p);
  const firstOf = (p: string) => order.indexOf(p);
  assert.ok(lastOf('/v1/vehicles') < firstOf('/v1/devices') && lastOf('/v1/sites') < firstOf('/v1/devices'));
  assert.ok(lastOf('/v1/devices') < firstOf('/v1/jobs'));
  assert.equal(order.filter((p) => p === '/v1/jobs').length, fleet.jobs.length);
  assert.ok(api.maxActive() <= 8 && api.maxActive() > 1, `concurrency ${api.maxActive()}`);

  const site = api.calls.find((c) => c.path === '/v1/sites')!.body!;
  assert.deepEqual(Object.keys(site).sort(), ['id', 'location', 'name', 'radiusM']);
  const job = api.calls.find((c) => c.path === '/v1/jobs')!.body!;
  assert.deepEqual(Object.keys(job).sort(), ['id', 'routeOrder', 'siteId', 'status', 'title', 'vehicleId', 'windowEnd', 'windowStart']);
  const gs = api.calls.find((c) => c.path === '/v1/devices' && c.body!.kind === 'ground-station')!.body!;
  assert.equal(gs.vehicleId, undefined, 'a ground station has no vehicle');
});

test('re-running keeps existing entities and issues a fresh secret for an existing device, keeping the device', async () => {
  const existing = new Set(['dev-truck-02']);
  const api = fakeApi((call) => {
    if (call.path === '/v1/devices') {
      const id = String(call.body!.id);
      if (existing.has(id)) return json(409, { code: 'FT_CONFLICT' });
      return json(201, { device: { id }, secret: `fresh-${id}`, mqttUsername: `demo/d/${id}` });
    }
    const rotate = /^\/v1\/devices\/([^/]+)\/secret$/.exec(call.path);
    if (rotate && call.method === 'POST') return json(201, { device: { id: rotate[1] }, secret: `rotated-${rotate[1]}`, mqttUsername: `demo/d/${rotate[1]}` });
    return json(409, { code: 'FT_CONFLICT' });
  });
  const credentials = await provisionFleet({ apiUrl: 'http://api.test', apiKey: 'k', fetch: api.fetch }, fleet);
  assert.equal(credentials.find((c) => c.deviceId === 'dev-truck-02')!.secret, 'rotated-dev-truck-02');
  assert.equal(credentials.find((c) => c.deviceId === 'dev-truck-01')!.secret, 'fresh-dev-truck-01');
  assert.equal(api.calls.filter((c) => c.method === 'DELETE').length, 0, 'no device is deleted');
});

test('an API error stops provisioning with the status and body in the error', async () => {
  const api = fakeApi(() => json(403, { message: 'role analyst may not do this' }));
  await assert.rejects(provisionFleet({ apiUrl: 'http://api.test', apiKey: 'k', fetch: api.fetch }, fleet), (err: unknown) => {
    assert.ok(err instanceof FieldtraceError);
    assert.equal(err.code, 'FT_SIM_PROVISION_FAILED');
    assert.match(err.message, /403.*role analyst/);
    return true;
  });
});

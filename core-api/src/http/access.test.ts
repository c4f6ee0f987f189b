import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busFilter, type EntityChanged } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import { buildApi } from '../app.js';
import { sha256Hex } from './tokens.js';
import { openHarness, recordBus, OPERATOR_KEY, type Harness } from '../test-support/harness.js';

// One PGlite per file (it takes seconds to start), so related suites share a file and tenants keep them apart.
let h: Harness;
before(async () => {
  h = await openHarness();
});
after(() => h.close());

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  for (const field of ['type', 'title', 'detail', 'instance']) assert.equal(typeof body[field], 'string', field);
  return body;
}

describe('authentication, roles and tenants', () => {
  test('the bootstrap operator key creates a tenant, whose admin key then works in that tenant', async () => {
    const created = await h.call('POST', '/v1/tenants', OPERATOR_KEY, { id: 'acme', name: 'Acme Plumbing' });
    assert.equal(created.statusCode, 201);
    const { tenant, adminKey } = created.json();
    assert.equal(tenant.id, 'acme');
    assert.match(adminKey, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');

    const listed = await h.call('GET', '/v1/tenants', OPERATOR_KEY);
    assert.deepEqual(listed.json().map((t: { id: string }) => t.id), ['acme']);

    const vehicles = await h.call('POST', '/v1/vehicles', adminKey, { id: 'v1', name: 'Van 1' });
    assert.equal(vehicles.statusCode, 201);
    assert.equal(vehicles.json().tenantId, 'acme');

    // Only the hash is stored.
    const rows = await h.db.query<{ key_hash: string }>("SELECT key_hash FROM api_keys WHERE tenant_id = 'acme'");
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.key_hash, adminKey);
    assert.match(rows[0]!.key_hash, /^[0-9a-f]{64}$/);

    const again = await h.call('POST', '/v1/tenants', OPERATOR_KEY, { id: 'acme', name: 'Other' });
    assertProblem(again, 409, 'FT_CONFLICT');
  });

  test('a tenant admin may neither create nor list tenants', async () => {
    const admin = await h.tenant('solo');
    assertProblem(await h.call('POST', '/v1/tenants', admin, { id: 'evil', name: 'Evil' }), 403, 'FT_OPERATOR_ONLY');
    assertProblem(await h.call('GET', '/v1/tenants', admin), 403, 'FT_OPERATOR_ONLY');
  });

  test('no key or an unknown key is 401; a key of the wrong role is 403, all as problem bodies', async () => {
    const admin = await h.tenant('roles');
    const analyst = await h.key(admin, 'analyst');
    const provisioning = await h.key(admin, 'device-provisioning');

    const anonymous = assertProblem(await h.call('GET', '/v1/devices', null), 401, 'FT_UNAUTHORIZED');
    assert.equal(anonymous.instance, '/v1/devices');
    assertProblem(await h.call('GET', '/v1/devices', 'not-a-key'), 401, 'FT_UNAUTHORIZED');
    // Authentication comes before validation: an anonymous bad body learns nothing about the schema.
    assertProblem(await h.call('POST', '/v1/jobs', null, { nonsense: true }), 401, 'FT_UNAUTHORIZED');

    const job = { id: 'j1', siteId: 's1', title: 'Descale boiler' };
    const refused = assertProblem(await h.call('POST', '/v1/jobs', analyst, job), 403, 'FT_FORBIDDEN');
    assert.match(String(refused.detail), /analyst/);
    assert.equal((await h.call('GET', '/v1/jobs', analyst)).statusCode, 200, 'analysts read');

    assertProblem(await h.call('GET', '/v1/jobs', provisioning), 403, 'FT_FORBIDDEN');
    const device = await h.call('POST', '/v1/devices', provisioning, { id: 'd1', kind: 'truck' });
    assert.equal(device.statusCode, 201, 'provisioning keys create devices');
    assertProblem(await h.call('POST', '/v1/api-keys', provisioning, { name: 'x', role: 'admin' }), 403, 'FT_FORBIDDEN');

    // The x-api-key header works as well as Bearer.
    const viaHeader = await h.call('GET', '/v1/devices', null, undefined, { 'x-api-key': analyst });
    assert.equal(viaHeader.statusCode, 200);
  });

  test('an operator key acts on a tenant only when x-tenant-id names an existing one', async () => {
    await h.tenant('opco');
    assertProblem(await h.call('GET', '/v1/vehicles', OPERATOR_KEY), 400, 'FT_TENANT_REQUIRED');
    assertProblem(await h.call('GET', '/v1/vehicles', OPERATOR_KEY, undefined, { 'x-tenant-id': 'nobody' }), 404, 'FT_NOT_FOUND');
    const created = await h.call('POST', '/v1/vehicles', OPERATOR_KEY, { id: 'op-v', name: 'Op van' }, { 'x-tenant-id': 'opco' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().tenantId, 'opco');
  });

  test('tenants are isolated: B can neither see nor delete what A created', async () => {
    const a = await h.tenant('tenant-a');
    const b = await h.tenant('tenant-b');
    assert.equal((await h.call('POST', '/v1/devices', a, { id: 'shared-name', kind: 'truck' })).statusCode, 201);

    assertProblem(await h.call('GET', '/v1/devices/shared-name', b), 404, 'FT_NOT_FOUND');
    assert.deepEqual((await h.call('GET', '/v1/devices', b)).json(), []);
    assertProblem(await h.call('DELETE', '/v1/devices/shared-name', b), 404, 'FT_NOT_FOUND');
    // The same id in B is a different device, not a conflict.
    assert.equal((await h.call('POST', '/v1/devices', b, { id: 'shared-name', kind: 'sensor' })).statusCode, 201);
    assert.equal((await h.call('GET', '/v1/devices/shared-name', a)).json().kind, 'truck');
  // x-tenant-id is for operator keys only: a tenant key naming another tenant still sees its own.
  const spoofed = await h.call('GET', '/v1/devices/shared-name', b, undefined, { 'x-tenant-id': 'tenant-a' });
  assert.equal(spoofed.json().kind, 'sensor');
  });

  test('malformed JSON and wrong content types are problems too', async () => {
  const admin = await h.tenant('bodies');
  const bad = await h.api.app.inject({
    method: 'POST', url: '/v1/vehicles', payload: '{"id": "v1",', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
  });
  assertProblem(bad, 400, 'FT_BAD_REQUEST');
  const text = await h.api.app.inject({
    method: 'POST', url: '/v1/vehicles', payload: '<vehicle id="v1"/>', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/xml' },
  });
  assertProblem(text, 415, 'FT_UNSUPPORTED_MEDIA_TYPE');
});

test('an unexpected failure is a 500 problem that does not leak the cause', async () => {
  const failing = { ...h.db, query: () => Promise.reject(new Error('disk on fire at /var/lib/secret')) };
  const api = buildApi({ HTTP_PORT: 0, HTTP_HOST: '127.0.0.1', LIVE_FLUSH_MS: 50 }, { db: failing, bus: h.bus, logger: silentLogger, clock: h.clock });
  try {
    const res = assertProblem(await api.app.inject({ method: 'GET', url: '/v1/vehicles', headers: { 'x-api-key': 'some-key' } }), 500, 'FT_INTERNAL');
    assert.doesNotMatch(String(res.detail), /disk|secret/);
  } finally {
    await api.close();
  }
});

test('an unknown route is a 404 problem', async () => {
    const admin = await h.tenant('routes');
    const res = assertProblem(await h.call('GET', '/v1/no-such-thing', admin), 404, 'FT_NOT_FOUND');
    assert.match(String(res.detail), /GET \/v1\/no-such-thing/);
  });
});

describe('devices', () => {
  let admin: string;
  before(async () => {
    admin = await h.tenant('fleet');
  });

  test('creating a device returns its secret and MQTT username once; reads never show the secret', async () => {
    const changes = await recordBus<EntityChanged>(h.bus, busFilter('changed'));
    const res = await h.call('POST', '/v1/devices', admin, { id: 'truck-7', kind: 'truck', vehicleId: 'v7' });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.equal(body.mqttUsername, 'fleet/d/truck-7');
    assert.equal(typeof body.secret, 'string');
    assert.ok(body.secret.length >= 24);
    assert.equal(body.device.vehicleId, 'v7');

    const [row] = await h.db.query<{ secret_hash: string }>("SELECT secret_hash FROM devices WHERE id = 'truck-7'");
    assert.equal(row!.secret_hash, sha256Hex(body.secret), 'the broker checks sha256(password) against this');

    const one = await h.call('GET', '/v1/devices/truck-7', admin);
    assert.equal(one.statusCode, 200);
    assert.doesNotMatch(one.body, /secret/i);
    assert.doesNotMatch((await h.call('GET', '/v1/devices', admin)).body, new RegExp(body.secret));

    assert.deepEqual(changes.messages.map((m) => m.message), [{ v: 1, tenantId: 'fleet', entity: 'device', id: 'truck-7', op: 'upsert' }]);
    assert.equal(changes.messages[0]!.topic, 'ft/fleet/bus/changed');
    await changes.stop();
  });

  test('a given secret is kept if long enough and refused, naming the field, if not', async () => {
    const secret = 'a-long-enough-provided-secret-123';
    const ok = await h.call('POST', '/v1/devices', admin, { id: 'gs-1', kind: 'ground-station', secret });
    assert.equal(ok.json().secret, secret);

    const short = await h.call('POST', '/v1/devices', admin, { id: 'gs-2', kind: 'ground-station', secret: 'short-secret-16c' });
    assert.equal(short.statusCode, 400);
    assert.equal(short.json().code, 'FT_VALIDATION');
    assert.match(short.json().detail, /secret/);
  });

  test('schema violations are 400 problems naming the field', async () => {
    const res = await h.call('POST', '/v1/devices', admin, { id: 'bad/id', kind: 'truck' });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    assert.equal(res.json().code, 'FT_VALIDATION');
    assert.match(res.json().detail, /body\/id/);

    const missing = await h.call('POST', '/v1/devices', admin, { id: 'x1' });
    assert.match(missing.json().detail, /body\/kind/);
  });

  test('a new secret can be issued for an existing device; the old one no longer matches', async () => {
    const first = (await h.call('POST', '/v1/devices', admin, { id: 'rot-1', kind: 'truck' })).json();
    const analyst = await h.key(admin, 'analyst');
    assert.equal((await h.call('POST', '/v1/devices/rot-1/secret', analyst, {})).statusCode, 403);
    const res = await h.call('POST', '/v1/devices/rot-1/secret', admin, {});
    assert.equal(res.statusCode, 201);
    const rotated = res.json();
    assert.notEqual(rotated.secret, first.secret);
    assert.equal(rotated.mqttUsername, 'fleet/d/rot-1');
    const [row] = await h.db.query<{ secret_hash: string }>("SELECT secret_hash FROM devices WHERE id = 'rot-1'");
    assert.equal(row!.secret_hash, sha256Hex(rotated.secret));
    assert.equal((await h.call('POST', '/v1/devices/nope/secret', admin, {})).statusCode, 404);
  });

  test('a duplicate device is 409; deleting one is 204 then 404', async () => {
    await h.call('POST', '/v1/devices', admin, { id: 'dup', kind: 'sensor' });
    const dup = await h.call('POST', '/v1/devices', admin, { id: 'dup', kind: 'sensor' });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.json().detail, /device 'dup' already exists/);
    assert.equal((await h.call('DELETE', '/v1/devices/dup', admin)).statusCode, 204);
    assert.equal((await h.call('GET', '/v1/devices/dup', admin)).statusCode, 404);
  });
});

describe('documentation, health and the dashboard', () => {
  test('DASHBOARD_DIR is served at / while /v1 stays the API', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ft-dashboard-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>map</title>');
    const api = buildApi(
      { HTTP_PORT: 0, HTTP_HOST: '127.0.0.1', LIVE_FLUSH_MS: 50, DASHBOARD_DIR: dir },
      { db: h.db, bus: h.bus, logger: silentLogger, clock: h.clock },
    );
    try {
      const index = await api.app.inject({ method: 'GET', url: '/' });
      assert.equal(index.statusCode, 200);
      assert.match(String(index.headers['content-type']), /text\/html/);
      assert.match(index.body, /<title>map<\/title>/);
      assert.equal((await api.app.inject({ method: 'GET', url: '/missing.js' })).statusCode, 404);
      assert.equal((await api.app.inject({ method: 'GET', url: '/v1/nothing-here' })).json().code, 'FT_NOT_FOUND');
      assert.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
  });


  test('healthz answers without a key', async () => {
    const res = await h.call('GET', '/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/openapi.json documents every route with its schemas and the problem body', async () => {
    const res = await h.call('GET', '/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    const expected: Record<string, string[]> = {
      '/v1/tenants': ['get', 'post'],
      '/v1/api-keys': ['post'],
      '/v1/devices': ['get', 'post'],
      '/v1/devices/{id}': ['delete', 'get'],
      '/v1/vehicles/{id}': ['delete', 'get', 'patch'],
      '/v1/sites': ['get', 'post'],
      '/v1/geofences/{id}': ['delete', 'get', 'put'],
      '/v1/geofences.geojson': ['get'],
      '/v1/jobs/{id}': ['get', 'patch'],
      '/v1/positions/latest': ['get'],
      '/v1/devices/{id}/positions': ['get'],
      '/v1/events': ['get'],
      '/v1/etas': ['get'],
      '/v1/dead-letters': ['get'],
      '/v1/alert-rules': ['get', 'put'],
      '/v1/alerts': ['get'],
      '/v1/alerts/{id}': ['get'],
      '/v1/alerts/{id}/ack': ['post'],
      '/v1/timesheets': ['get'],
      '/v1/timesheets/summary': ['get'],
      '/v1/jobs/{id}/timesheet': ['get'],
      '/v1/trips': ['get'],
      '/v1/stops': ['get'],
      '/v1/plans': ['get', 'post'],
      '/v1/plans/{id}': ['get'],
      '/v1/plans/{id}/apply': ['post'],
      '/v1/plans/{id}/reject': ['post'],
      '/v1/plans/solve': ['post'],
      '/v1/settings/planning': ['get', 'put'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      assert.ok(doc.paths[path], `${path} is documented`);
      assert.deepEqual(Object.keys(doc.paths[path]).sort(), methods, path);
    }
    const createJob = doc.paths['/v1/jobs'].post;
    assert.ok(createJob.requestBody.content['application/json'].schema.properties.siteId);
    assert.ok(createJob.responses['201']);
    const putRules = doc.paths['/v1/alert-rules'].put;
    assert.equal(putRules.requestBody.content['application/json'].schema.type, 'array', 'the rule document is described');
    assert.ok(doc.paths['/v1/alerts/{id}/ack'].post.responses['200'].content['application/json'].schema.properties.acknowledgedBy);
    assert.ok(doc.components.schemas.Problem, 'problem bodies are a named component');
    const solve = doc.paths['/v1/plans/solve'].post;
    assert.ok(solve.requestBody.content['application/json'].schema.properties.vehicles, "VROOM's input is described");
    assert.ok(doc.components.securitySchemes.bearer);
  assert.ok(doc.paths['/healthz'].get, 'healthz is documented');
  assert.ok(createJob.responses['4XX'].content['application/problem+json']);
  });

  test('Swagger UI is served at /docs', async () => {
    const res = await h.call('GET', '/docs/');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger/i);
  });
});

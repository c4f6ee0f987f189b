import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { busFilter, type JobStatusChange } from '@fieldtrace/protocol';
import { openHarness, recordBus, type Harness } from '../test-support/harness.js';

let h: Harness;
before(async () => {
  h = await openHarness();
});
after(() => h.close());

describe('sites and geofences', () => {
  let admin: string;
  before(async () => {
    admin = await h.tenant('sites');
  });

  test('creating a site creates its arrival fence, listed in /v1/geofences and the GeoJSON', async () => {
    const res = await h.call('POST', '/v1/sites', admin, { id: 'depot', name: 'Depot', location: [-0.1276, 51.5072], radiusM: 80 });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().geofenceId, 'site-depot');
    assert.deepEqual(res.json().location, [-0.1276, 51.5072]);

    const fences = (await h.call('GET', '/v1/geofences', admin)).json();
    assert.deepEqual(fences, [
      {
        id: 'site-depot', tenantId: 'sites', name: 'Depot', siteId: 'depot', shape: { type: 'circle', center: [-0.1276, 51.5072], radiusM: 80 },
        kind: 'site', dwellInS: null, dwellOutS: null, speedLimitKmh: null,
      },
    ]);

    const geo = await h.call('GET', '/v1/geofences.geojson', admin);
    assert.match(String(geo.headers['content-type']), /application\/geo\+json/);
    const [feature] = geo.json().features;
    assert.deepEqual(feature.geometry, { type: 'Point', coordinates: [-0.1276, 51.5072] });
    assert.equal(feature.properties.radiusM, 80);
  });

  test('without radiusM the fence is a 60 m circle; a given polygon is used as is', async () => {
    await h.call('POST', '/v1/sites', admin, { id: 'plain', name: 'Plain', location: [2.35, 48.85] });
    const circle = (await h.call('GET', '/v1/geofences/site-plain', admin)).json();
    assert.equal(circle.shape.radiusM, 60);

    const ring = [[2.0, 48.0], [2.01, 48.0], [2.01, 48.01], [2.0, 48.0]];
    await h.call('POST', '/v1/sites', admin, { id: 'yard', name: 'Yard', location: [2.005, 48.004], shape: { type: 'polygon', coordinates: [ring] } });
    const geo = (await h.call('GET', '/v1/geofences.geojson', admin)).json();
    const yard = geo.features.find((f: { id: string }) => f.id === 'site-yard');
    assert.deepEqual(yard.geometry, { type: 'Polygon', coordinates: [ring] });
  });

  test('a bad location is a 400 naming the field, and nothing is created', async () => {
    const res = await h.call('POST', '/v1/sites', admin, { id: 'nowhere', name: 'Nowhere', location: [200, 0] });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().detail, /body\/location\/0/);
    assert.equal((await h.call('GET', '/v1/geofences/site-nowhere', admin)).statusCode, 404);
  });

  test('deleting a site deletes its fence; a site with jobs cannot be deleted', async () => {
    await h.call('POST', '/v1/sites', admin, { id: 'gone', name: 'Gone', location: [0, 0] });
    assert.equal((await h.call('DELETE', '/v1/sites/gone', admin)).statusCode, 204);
    assert.equal((await h.call('GET', '/v1/geofences/site-gone', admin)).statusCode, 404);

    await h.call('POST', '/v1/sites', admin, { id: 'busy', name: 'Busy', location: [0, 1] });
    assert.equal((await h.call('POST', '/v1/jobs', admin, { id: 'busy-job', siteId: 'busy', title: 'Work' })).statusCode, 201);
    const refused = await h.call('DELETE', '/v1/sites/busy', admin);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().detail, /jobs/);
    assert.equal((await h.call('GET', '/v1/geofences/site-busy', admin)).statusCode, 200, 'the fence survived the refused delete');
  });

  test('geofences: replace and delete; deleting a site fence leaves the site without one', async () => {
    await h.call('POST', '/v1/sites', admin, { id: 'shop', name: 'Shop', location: [1, 1] });
    const put = await h.call('PUT', '/v1/geofences/site-shop', admin, { name: 'Shop gate', siteId: 'shop', shape: { type: 'circle', center: [1, 1], radiusM: 25 } });
    assert.equal(put.statusCode, 200);
    assert.equal(put.json().shape.radiusM, 25);
    assert.equal((await h.call('PUT', '/v1/geofences/missing', admin, { name: 'x', shape: put.json().shape })).statusCode, 404);
    const badSite = await h.call('POST', '/v1/geofences', admin, { id: 'f1', name: 'F', siteId: 'no-site', shape: put.json().shape });
    assert.equal(badSite.statusCode, 400);
    assert.match(badSite.json().detail, /siteId/);

    assert.equal((await h.call('DELETE', '/v1/geofences/site-shop', admin)).statusCode, 204);
    assert.equal((await h.call('GET', '/v1/sites/shop', admin)).json().geofenceId, null);
  });

  test('a fence keeps its kind, dwell times and speed limit; a PUT replaces them all', async () => {
    const zone = await h.call('POST', '/v1/geofences', admin, { id: 'school', name: 'School', shape: { type: 'circle', center: [1, 2], radiusM: 300 } });
    assert.equal(zone.statusCode, 201);
    assert.equal(zone.json().kind, 'zone', 'a fence without a site is a zone');

    const yard = { type: 'polygon', coordinates: [[[3, 3], [3.01, 3], [3.01, 3.01], [3, 3]]] };
    const depot = await h.call('POST', '/v1/geofences', admin, {
      id: 'yard', name: 'Yard', shape: yard, kind: 'depot', dwellInS: 30, dwellOutS: 90, speedLimitKmh: 15.5,
    });
    assert.equal(depot.statusCode, 201);
    const stored = (await h.call('GET', '/v1/geofences/yard', admin)).json();
    assert.deepEqual([stored.kind, stored.dwellInS, stored.dwellOutS, stored.speedLimitKmh], ['depot', 30, 90, 15.5]);

    const replaced = await h.call('PUT', '/v1/geofences/yard', admin, { name: 'Yard', shape: yard, dwellInS: 10 });
    assert.equal(replaced.statusCode, 200);
    assert.deepEqual([replaced.json().kind, replaced.json().dwellInS, replaced.json().dwellOutS, replaced.json().speedLimitKmh], ['zone', 10, null, null]);

    const road = await h.call('POST', '/v1/geofences', admin, {
      id: 'haul-road', name: 'Haul road', shape: { type: 'corridor', path: [[4, 4], [4.1, 4]], widthM: 40 }, speedLimitKmh: 30,
    });
    assert.equal(road.statusCode, 201);
    const feature = (await h.call('GET', '/v1/geofences.geojson', admin)).json().features.find((f: { id: string }) => f.id === 'haul-road');
    assert.deepEqual(feature.geometry, { type: 'LineString', coordinates: [[4, 4], [4.1, 4]] });
    assert.equal(feature.properties.widthM, 40);
    assert.equal(feature.properties.speedLimitKmh, 30);

    const negative = await h.call('POST', '/v1/geofences', admin, { id: 'bad', name: 'Bad', shape: yard, dwellOutS: -5 });
    assert.equal(negative.statusCode, 400);
    assert.match(negative.json().detail, /body\/dwellOutS/);
    const kind = await h.call('PUT', '/v1/geofences/yard', admin, { name: 'Yard', shape: yard, kind: 'garage' });
    assert.equal(kind.statusCode, 400);
    assert.match(kind.json().detail, /body\/kind/);
  });
});

describe('jobs', () => {
  let dispatcher: string;
  before(async () => {
    const admin = await h.tenant('dispatch');
    dispatcher = await h.key(admin, 'dispatcher');
    await h.call('POST', '/v1/sites', dispatcher, { id: 'site-1', name: 'Mrs Smith', location: [-1.9, 52.48] });
    await h.call('POST', '/v1/vehicles', dispatcher, { id: 'van-1', name: 'Van 1' });
  });

  test('a new job is scheduled, or assigned when it has a vehicle', async () => {
    const scheduled = await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-s', siteId: 'site-1', title: 'Quote' });
    assert.equal(scheduled.statusCode, 201);
    assert.equal(scheduled.json().status, 'scheduled');
    const assigned = await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-a', siteId: 'site-1', title: 'Repair', vehicleId: 'van-1', routeOrder: 1 });
    assert.equal(assigned.json().status, 'assigned');
    const byVehicle = (await h.call('GET', '/v1/jobs?vehicleId=van-1', dispatcher)).json();
    assert.deepEqual(byVehicle.map((j: { id: string }) => j.id), ['j-a']);
    const byStatus = (await h.call('GET', '/v1/jobs?status=scheduled', dispatcher)).json();
    assert.deepEqual(byStatus.map((j: { id: string }) => j.id), ['j-s']);
  });

  test('references are checked: unknown site or vehicle is a 400 naming the field', async () => {
    const site = await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-x', siteId: 'nope', title: 'X' });
    assert.equal(site.statusCode, 400);
    assert.match(site.json().detail, /siteId/);
    const vehicle = await h.call('PATCH', '/v1/jobs/j-s', dispatcher, { vehicleId: 'ghost' });
    assert.equal(vehicle.statusCode, 400);
    assert.match(vehicle.json().detail, /vehicleId/);
    const status = await h.call('PATCH', '/v1/jobs/j-s', dispatcher, { status: 'teleported' });
    assert.equal(status.statusCode, 400);
    assert.match(status.json().detail, /body\/status/);
  });

  test('a status change is published on the bus and stored as an event; other edits are not', async () => {
    await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-p', siteId: 'site-1', title: 'Boiler', vehicleId: 'van-1' });
    const bus = await recordBus<JobStatusChange>(h.bus, busFilter('job'));
    h.clock.set(Date.UTC(2025, 5, 2, 10, 15, 0));

    const res = await h.call('PATCH', '/v1/jobs/j-p', dispatcher, { status: 'en_route' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'en_route');
    const ts = Date.UTC(2025, 5, 2, 10, 15, 0);
    assert.deepEqual(bus.messages, [{
      topic: 'ft/dispatch/bus/job',
      message: { v: 1, tenantId: 'dispatch', jobId: 'j-p', from: 'assigned', to: 'en_route', ts, cause: 'api' },
    }]);
    const [event] = await h.db.query<{ id: string; kind: string; job_id: string; data: JobStatusChange }>(
      'SELECT id, kind, job_id, data FROM events WHERE id = $1', [`job:j-p:en_route:${ts}`],
    );
    assert.equal(event?.kind, 'job');
    assert.equal(event?.data.from, 'assigned');

    // Same status again, or a title edit: no change to report.
    await h.call('PATCH', '/v1/jobs/j-p', dispatcher, { status: 'en_route', title: 'Boiler service' });
    assert.equal(bus.messages.length, 1);

    h.clock.advance(60_000);
    const done = await h.call('PATCH', '/v1/jobs/j-p', dispatcher, { status: 'completed' });
    assert.equal(done.json().completedAt, ts + 60_000);
    assert.equal(bus.messages.length, 2);
    const events = (await h.call('GET', '/v1/events?kind=job', dispatcher)).json();
    assert.equal(events[0].id, `job:j-p:completed:${ts + 60_000}`, 'newest first');
    await bus.stop();
  });

  test('assigning a vehicle to a scheduled job makes it assigned', async () => {
    await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-later', siteId: 'site-1', title: 'Later' });
    const res = await h.call('PATCH', '/v1/jobs/j-later', dispatcher, { vehicleId: 'van-1' });
    assert.equal(res.json().status, 'assigned');
    assert.equal(res.json().vehicleId, 'van-1');
    assert.equal((await h.call('PATCH', '/v1/jobs/none', dispatcher, { title: 'x' })).statusCode, 404);
  });

  test('arrival and departure times set by the processors are served by GET and by PATCH', async () => {
    const created = await h.call('POST', '/v1/jobs', dispatcher, { id: 'j-t', siteId: 'site-1', title: 'Tap', vehicleId: 'van-1' });
    assert.deepEqual([created.json().enRouteAt, created.json().arrivedAt, created.json().departedAt], [null, null, null]);
    const enRoute = Date.UTC(2025, 5, 2, 8, 0, 0);
    // What the stream processors write when the van sets off and dwells in the site fence.
    await h.db.query(
      `UPDATE jobs SET en_route_at = to_timestamp($1 / 1000.0), arrived_at = to_timestamp($2 / 1000.0)
       WHERE tenant_id = 'dispatch' AND id = 'j-t'`,
      [enRoute, enRoute + 1_200_000],
    );
    const got = (await h.call('GET', '/v1/jobs/j-t', dispatcher)).json();
    assert.deepEqual([got.enRouteAt, got.arrivedAt, got.departedAt], [enRoute, enRoute + 1_200_000, null]);
    const patched = (await h.call('PATCH', '/v1/jobs/j-t', dispatcher, { title: 'Dripping tap' })).json();
    assert.equal(patched.title, 'Dripping tap');
    assert.deepEqual([patched.enRouteAt, patched.arrivedAt], [enRoute, enRoute + 1_200_000]);
  });

  test('a vehicle keeps its own speed limit; zero is refused', async () => {
    const created = await h.call('POST', '/v1/vehicles', dispatcher, { id: 'van-9', name: 'Van 9', speedLimitKmh: 90 });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().speedLimitKmh, 90);
    assert.equal((await h.call('GET', '/v1/vehicles/van-1', dispatcher)).json().speedLimitKmh, null);
    const patched = await h.call('PATCH', '/v1/vehicles/van-9', dispatcher, { speedLimitKmh: 80.3 });
    assert.equal(patched.json().speedLimitKmh, 80.3, 'read back as sent, not as the nearest float4');
    assert.equal((await h.call('PATCH', '/v1/vehicles/van-9', dispatcher, { name: 'Van nine' })).json().speedLimitKmh, 80.3);
    const zero = await h.call('PATCH', '/v1/vehicles/van-9', dispatcher, { speedLimitKmh: 0 });
    assert.equal(zero.statusCode, 400);
    assert.match(zero.json().detail, /body\/speedLimitKmh/);
  });

  test('a vehicle with unfinished jobs cannot be deleted', async () => {
    const res = await h.call('DELETE', '/v1/vehicles/van-1', dispatcher);
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'FT_STILL_REFERENCED');
  });
});

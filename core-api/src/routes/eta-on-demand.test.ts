import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { haversineM, offsetLatLon } from '@fieldtrace/protocol';
import { saveSpeedProfile } from '@fieldtrace/store';
import { openHarness, type Harness } from '../test-support/harness.js';

const LAT = 53.4084;
const LON = -2.9916;
const T0 = Date.UTC(2025, 5, 2, 8, 0, 0);

/** A tenant with van1 (device dev1) whose last fix is at (LAT, LON) at T0. */
async function fleet(h: Harness, tenantId: string): Promise<string> {
  const admin = await h.tenant(tenantId);
  assert.equal((await h.call('POST', '/v1/vehicles', admin, { id: 'van1', name: 'Van 1' })).statusCode, 201);
  assert.equal((await h.call('POST', '/v1/devices', admin, { id: 'dev1', kind: 'truck', vehicleId: 'van1' })).statusCode, 201);
  await h.db.query(
    `INSERT INTO positions (tenant_id, device_id, seq, ts, received_at, lat, lon, fix)
     VALUES ($1, 'dev1', 1, to_timestamp($2 / 1000.0), to_timestamp($2 / 1000.0), $3, $4, '3d')`,
    [tenantId, T0, LAT, LON],
  );
  return admin;
}

const harnesses: Harness[] = [];
after(() => Promise.all(harnesses.map((h) => h.close())));

test('a vehicle’s ETA to any place comes from its last fix and the fleet’s learned detour and speeds', async () => {
  const h = await openHarness();
  harnesses.push(h);
  const admin = await fleet(h, 'eta1');
  const [lat, lon] = offsetLatLon(LAT, LON, 0, 5000);
  const first = await h.call('GET', `/v1/vehicles/van1/eta?lat=${lat}&lon=${lon}`, admin);
  assert.equal(first.statusCode, 200, first.body);
  const eta = first.json();
  assert.equal(eta.method, 'great-circle');
  assert.equal(eta.deviceId, 'dev1');
  assert.deepEqual(eta.from, { lat: LAT, lon: LON, ts: T0 });
  // Nothing learned yet: 5 km × 1.3 (prior detour) at 8.3 m/s (prior speed).
  assert.ok(Math.abs(eta.secondsToGo - (5000 * 1.3) / 8.3) < 60, `${eta.secondsToGo} s`);
  assert.ok(Math.abs(eta.eta - (T0 + eta.secondsToGo * 1000)) <= 500);

  // The processors have since learned that roads here wind: twice the straight line over 500 km of driving.
  await saveSpeedProfile(h.db, 'eta1', { rows: [], detour: { pathM: 1_000_000, chordM: 500_000 } });
  h.clock.advance(61_000); // past the profile cache
  const later = (await h.call('GET', `/v1/vehicles/van1/eta?lat=${lat}&lon=${lon}`, admin)).json();
  assert.ok(later.distanceM > 9500 && later.distanceM < 10_500, `road distance ${later.distanceM} m`);
  assert.ok(later.secondsToGo > eta.secondsToGo * 1.4, `${later.secondsToGo} s after learning, ${eta.secondsToGo} s before`);

  assert.equal((await h.call('GET', `/v1/vehicles/nope/eta?lat=${lat}&lon=${lon}`, admin)).statusCode, 404);
  const bad = await h.call('GET', '/v1/vehicles/van1/eta?lat=91&lon=0', admin);
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'FT_VALIDATION');
});

test('with a routing engine configured, its table answers, and the learned estimate covers it when it is down', async () => {
  const requests: string[] = [];
  const osrm = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    // sources=0&destinations=1: one row, one column.
    res.end(JSON.stringify({ code: 'Ok', durations: [[654]], distances: [[7321]] }));
  });
  await new Promise<void>((r) => osrm.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => osrm.close(() => r())));
  const url = `http://127.0.0.1:${(osrm.address() as AddressInfo).port}`;

  const h = await openHarness({ config: { ETA_MATRIX_KIND: 'osrm', ETA_MATRIX_URL: url, ETA_MATRIX_TIMEOUT_MS: 500 } });
  harnesses.push(h);
  const admin = await fleet(h, 'eta2');
  const [lat, lon] = offsetLatLon(LAT, LON, 90, 5000);
  const eta = (await h.call('GET', `/v1/vehicles/van1/eta?lat=${lat}&lon=${lon}`, admin)).json();
  assert.deepEqual([eta.method, eta.secondsToGo, eta.distanceM], ['matrix', 654, 7321]);
  assert.equal(requests[0], `/table/v1/driving/${LON.toFixed(6)},${LAT.toFixed(6)};${lon.toFixed(6)},${lat.toFixed(6)}?sources=0&destinations=1&annotations=duration,distance`);

  await new Promise<void>((r) => osrm.close(() => r()));
  const fallback = (await h.call('GET', `/v1/vehicles/van1/eta?lat=${lat}&lon=${lon}`, admin)).json();
  assert.equal(fallback.method, 'great-circle', 'the engine is down: the learned estimate answers, and says so');
  assert.ok(Math.abs(fallback.distanceM - haversineM(LAT, LON, lat, lon) * 1.3) < 50);
});

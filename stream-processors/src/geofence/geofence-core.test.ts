import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM, offsetLatLon, type GeofenceEvent, type LonLat } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { createGeofenceState, removeFence, stepGeofence, upsertFence, type FixInput, type GeofenceState } from './geofence-core.js';
import { fixAt, LIVERPOOL, seededRandom, straightTrack, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;

function newState(): GeofenceState {
  return createGeofenceState({ maxMarginM: 25 }, new FleetDirectory());
}

function run(state: GeofenceState, fixes: readonly FixInput[]): GeofenceEvent[] {
  const out: GeofenceEvent[] = [];
  for (const f of fixes) stepGeofence(state, f, out);
  return out;
}

function circle(id: string, lat: number, lon: number, radiusM: number, siteId: string | null = null) {
  return { id, siteId, shape: { type: 'circle' as const, center: [lon, lat] as LonLat, radiusM } };
}

/** A square ring of half-side `halfM` metres around a point, closed, counter-clockwise. */
function square(lat: number, lon: number, halfM: number): LonLat[] {
  const [n] = offsetLatLon(lat, lon, 0, halfM);
  const [s] = offsetLatLon(lat, lon, 180, halfM);
  const e = offsetLatLon(lat, lon, 90, halfM)[1];
  const w = offsetLatLon(lat, lon, 270, halfM)[1];
  return [[w, s], [e, s], [e, n], [w, n], [w, s]];
}

test('driving through a circle yields one enter and one exit, timed at the interpolated boundary crossings', () => {
  const state = newState();
  upsertFence(state, 't1', circle('gate', LAT, LON, 100, 'site-1'));
  // Northbound at 10 m/s, a fix every 2 s, from 510 m south: fix k is at y = -510 + 20k metres.
  const start = offsetLatLon(LAT, LON, 180, 510);
  const events = run(state, straightTrack(start, 0, 10, 2, 60));

  assert.deepEqual(
    events.map((e) => [e.transition, e.ts]),
    [
      ['enter', T0 + 41_000], // y = -100 m, between the fixes at -110 m and -90 m
      ['exit', T0 + 61_000], // y = +100 m; 20 s inside is short of the 2-minute dwell: no arrive
    ],
  );
  const enter = events[0]!;
  assert.equal(enter.id, `gf:t1:d1:gate:enter:${T0 + 41_000}`);
  assert.equal(enter.siteId, 'site-1');
  assert.equal(enter.late, false);
  assert.ok(Math.abs(haversineM(enter.lat, enter.lon, LAT, LON) - 100) < 0.5, 'placed on the boundary');
});

test('a vehicle parked at the boundary with 10 m accuracy enters once and never flaps', () => {
  const random = seededRandom(7);
  // Drive in from the west, then sit ~95 m from the centre with ±12 m of jitter for 20 minutes.
  const approach = straightTrack(offsetLatLon(LAT, LON, 270, 400), 90, 10, 1, 30);
  const parked: FixInput[] = [];
  for (let k = 0; k < 1200; k++) {
    const d = 95 + (random() * 2 - 1) * 12;
    const [lat, lon] = offsetLatLon(LAT, LON, 270, d);
    parked.push(fixAt(lat, lon, T0 + (30 + k) * 1000));
  }
  const track = [...approach, ...parked];

  const withAccuracy = newState();
  upsertFence(withAccuracy, 't1', circle('yard', LAT, LON, 100));
  const events = run(withAccuracy, track.map((f) => ({ ...f, accuracy: 10 })));
  assert.deepEqual(events.map((e) => e.transition), ['enter', 'arrive']);

  // The same track without accuracy has no margin and flaps: the hysteresis is what prevents it.
  const without = newState();
  upsertFence(without, 't1', circle('yard', LAT, LON, 100));
  assert.ok(run(without, track).length > 10);
});

test('a polygon hole is outside the fence; margins are measured from the nearest edge, holes included', () => {
  const state = newState();
  upsertFence(state, 't1', { id: 'ring', siteId: null, shape: { type: 'polygon', coordinates: [square(LAT, LON, 500), square(LAT, LON, 100)] } });

  assert.equal(run(state, [fixAt(LAT, LON, T0, { deviceId: 'in-hole' })]).length, 0);

  const onRing = offsetLatLon(LAT, LON, 0, 300);
  assert.deepEqual(run(state, [fixAt(onRing[0], onRing[1], T0, { deviceId: 'on-ring' })]).map((e) => e.transition), ['enter']);

  // Driving from the ring into the hole is an exit.
  const south = offsetLatLon(LAT, LON, 180, 310);
  const drive = straightTrack(south, 0, 10, 5, 7, T0, { deviceId: 'driver' });
  assert.deepEqual(run(state, drive).map((e) => [e.transition, e.ts]), [
    ['enter', T0],
    ['exit', T0 + 21_000], // the hole's edge (y = -100 m) lies a fifth of the way from y = -110 m to y = -60 m
  ]);

  // 5 m inside the hole's edge with 10 m accuracy is not yet an enter; 15 m inside is.
  const near = offsetLatLon(LAT, LON, 0, 105);
  const deeper = offsetLatLon(LAT, LON, 0, 115);
  const steps = run(state, [
    fixAt(near[0], near[1], T0, { deviceId: 'careful', accuracy: 10 }),
    fixAt(deeper[0], deeper[1], T0 + 1000, { deviceId: 'careful', accuracy: 10 }),
  ]);
  assert.deepEqual(steps.map((e) => [e.transition, e.ts]), [['enter', T0 + 1000]]);
});

test('fences added, reshaped and removed at run time take effect on the next fix', () => {
  const state = newState();
  let ts = T0;
  const at = (lat: number, lon: number) => run(state, [fixAt(lat, lon, (ts += 1000))]).map((e) => `${e.transition}:${e.geofenceId}`);

  assert.deepEqual(at(LAT, LON), []);
  upsertFence(state, 't1', circle('new', LAT, LON, 50));
  assert.deepEqual(at(LAT, LON), ['enter:new']);
  assert.deepEqual(at(LAT, LON), []);

  // Redrawn 2 km away: the device is no longer inside it.
  const [farLat, farLon] = offsetLatLon(LAT, LON, 90, 2000);
  upsertFence(state, 't1', circle('new', farLat, farLon, 50));
  assert.deepEqual(at(LAT, LON), ['exit:new']);
  assert.deepEqual(at(farLat, farLon), ['enter:new']);

  // Removed while the device is inside: no exit (the fence went away, not the vehicle), and no enter either.
  assert.equal(removeFence(state, 't1', 'new'), true);
  assert.deepEqual(at(farLat, farLon), []);
  upsertFence(state, 't1', circle('again', farLat, farLon, 50));
  assert.deepEqual(at(farLat, farLon), ['enter:again']);
});

test('a small circle can be entered by fixes whose accuracy is worse than its radius', () => {
  const state = newState();
  upsertFence(state, 't1', circle('bay', LAT, LON, 8));
  const outside = offsetLatLon(LAT, LON, 0, 200);
  const events = run(state, [
    fixAt(outside[0], outside[1], T0, { accuracy: 12 }),
    fixAt(LAT, LON, T0 + 10_000, { accuracy: 12 }),
  ]);
  assert.deepEqual(events.map((e) => [e.geofenceId, e.transition]), [['bay', 'enter']]);
});

test('a fix not newer than the device’s last one is ignored and counted', () => {
  const state = newState();
  upsertFence(state, 't1', circle('c', LAT, LON, 100));
  const outside = offsetLatLon(LAT, LON, 0, 500);
  const events = run(state, [
    fixAt(outside[0], outside[1], T0 + 10_000),
    fixAt(LAT, LON, T0 + 5_000), // older: ignored even though it is inside
    fixAt(LAT, LON, T0 + 10_000), // same time: ignored
    fixAt(LAT, LON, T0 + 11_000),
  ]);
  assert.deepEqual(events.map((e) => e.ts), [T0 + 10_800]); // the boundary, 100 m into the last 500 m
  assert.equal(state.counters.lateIgnored, 2);
});

test('events carry the vehicle and its open job at the site from the directory', () => {
  const directory = new FleetDirectory();
  const tenant = directory.ensure('t1');
  tenant.replaceDevices([{ id: 'd1', vehicleId: 'v1' }]);
  tenant.replaceJobs([
    { id: 'done', siteId: 's1', vehicleId: 'v1', status: 'completed', routeOrder: 0, windowStart: null },
    { id: 'later', siteId: 's1', vehicleId: 'v1', status: 'scheduled', routeOrder: 5, windowStart: null },
    { id: 'now', siteId: 's1', vehicleId: 'v1', status: 'on_site', routeOrder: 2, windowStart: null },
    { id: 'elsewhere', siteId: 's2', vehicleId: 'v1', status: 'assigned', routeOrder: 1, windowStart: null },
  ]);
  const state = createGeofenceState({ maxMarginM: 25 }, directory);
  upsertFence(state, 't1', circle('f1', LAT, LON, 100, 's1'));
  const [event] = run(state, [fixAt(LAT, LON, T0)]);
  assert.equal(event?.vehicleId, 'v1');
  assert.equal(event?.jobId, 'now');
});

test('tenants do not see each other’s fences', () => {
  const state = newState();
  upsertFence(state, 't1', circle('mine', LAT, LON, 100));
  assert.deepEqual(run(state, [fixAt(LAT, LON, T0, { tenantId: 't2' })]), []);
});

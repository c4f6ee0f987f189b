import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon, type EtaUpdate, type LonLat } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { createEtaState, estimateEta, profileOf, setVehicleRoute, stepEta, type EtaOptions, type EtaState } from './eta-core.js';
import { hourOfWeek } from '@fieldtrace/travel-time';
import { fixAt, LIVERPOOL, T0 } from '../test-support/tracks.js';

/**
 * The estimator on an L-shaped planned route: 2 km north from A to B, then 2 km east to C. Nothing is learned
 * from the test's own fixes (learn: false), so the speeds are the prior (10 m/s) or what a test loads.
 */
const [LAT, LON] = LIVERPOOL;
const B = offsetLatLon(LAT, LON, 0, 2000);
const C = offsetLatLon(B[0], B[1], 90, 2000);
const ROUTE: LonLat[] = [];
for (let m = 0; m <= 2000; m += 100) ROUTE.push(lonLat(offsetLatLon(LAT, LON, 0, m)));
for (let m = 100; m <= 2000; m += 100) ROUTE.push(lonLat(offsetLatLon(B[0], B[1], 90, m)));
const OPTS: EtaOptions = {
  detourFactor: 1.3,
  defaultSpeedMs: 10,
  minChangeS: 120,
  maxSilenceS: 30,
  minIntervalS: 5,
  learn: false,
  profile: { shrinkS: 0 },
};

function lonLat([lat, lon]: readonly [number, number]): LonLat {
  return [lon, lat];
}

function setup(withRoute: boolean): { state: EtaState; directory: FleetDirectory } {
  const directory = new FleetDirectory();
  const tenant = directory.ensure('t1');
  tenant.replaceDevices([{ id: 'd1', vehicleId: 'v1' }]);
  const state = createEtaState(OPTS, directory);
  if (withRoute) assert.equal(setVehicleRoute(state, 't1', 'v1', ROUTE), true);
  return { state, directory };
}

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} ± ${tolerance}`);
}

test('on its planned route, the ETA is the remaining route length at the learned speeds; without one, the great circle × detour', () => {
  const routed = setup(true).state;
  const free = setup(false).state;
  stepEta(routed, fixAt(LAT, LON, T0), []);
  stepEta(free, fixAt(LAT, LON, T0), []);

  const along = estimateEta(routed, 't1', 'v1', C[0], C[1], T0)!;
  assert.equal(along.method, 'route');
  near(along.distanceM, 4000, 5, 'route distance');
  near(along.secondsToGo, 400, 1, 'route seconds');

  const line = estimateEta(free, 't1', 'v1', C[0], C[1], T0)!;
  assert.equal(line.method, 'great-circle');
  near(line.distanceM, 2000 * Math.SQRT2 * 1.3, 5, 'great-circle distance × detour');
  near(line.secondsToGo, (2000 * Math.SQRT2 * 1.3) / 10, 1, 'great-circle seconds');
  assert.equal(line.eta, T0 + Math.round(line.secondsToGo * 1000));
});

test('the route is timed through the speeds of the cells it crosses', () => {
  const { state } = setup(false);
  // The fleet crawls at 2 m/s through every cell of the second leg at this hour, and drives at 10 m/s the next.
  const profile = profileOf(state, 't1');
  const cells = new Set<string>();
  for (let m = 0; m <= 2000; m += 25) {
    const [lat, lon] = offsetLatLon(B[0], B[1], 90, m);
    cells.add(profile.cellAt(lat, lon));
  }
  const hour = hourOfWeek(T0);
  const rows = [...cells].flatMap((cell) => [
    { cell, hourOfWeek: hour, n: 3600, meanSpeedMs: 2 },
    { cell, hourOfWeek: hour + 1, n: 3600, meanSpeedMs: 10 },
  ]);
  profile.load({ rows, detour: { pathM: 0, chordM: 0 } });
  setVehicleRoute(state, 't1', 'v1', ROUTE);
  stepEta(state, fixAt(LAT, LON, T0), []);
  const e = estimateEta(state, 't1', 'v1', C[0], C[1], T0)!;
  // 2 km at 2 m/s, plus the first leg: at 10 m/s where it lies outside those cells.
  assert.ok(e.secondsToGo >= 1000 && e.secondsToGo <= 1000 + 2000 / 2, `seconds ${e.secondsToGo}`);
  // An hour later the same cells are clear.
  stepEta(state, fixAt(LAT, LON, T0 + 3_600_000), []);
  near(estimateEta(state, 't1', 'v1', C[0], C[1], T0 + 3_600_000)!.secondsToGo, 400, 1, 'at another hour');
});

test('part-way along, only the rest of the route counts; off the route, behind the vehicle or away from it, the great circle', () => {
  const { state } = setup(true);
  stepEta(state, fixAt(B[0], B[1], T0), []);
  const rest = estimateEta(state, 't1', 'v1', C[0], C[1], T0)!;
  assert.equal(rest.method, 'route');
  near(rest.secondsToGo, 200, 1, 'from the corner');

  assert.equal(estimateEta(state, 't1', 'v1', LAT, LON, T0)!.method, 'great-circle', 'A is behind the vehicle');
  const aside = offsetLatLon(C[0], C[1], 0, 1000);
  assert.equal(estimateEta(state, 't1', 'v1', aside[0], aside[1], T0)!.method, 'great-circle', 'a place 1 km off the route');

  const off = offsetLatLon(B[0], B[1], 270, 300);
  stepEta(state, fixAt(off[0], off[1], T0 + 30_000), []);
  assert.equal(estimateEta(state, 't1', 'v1', C[0], C[1], T0 + 30_000)!.method, 'great-circle', 'the vehicle 300 m off its route');
  stepEta(state, fixAt(B[0], B[1], T0 + 60_000), []);
  assert.equal(estimateEta(state, 't1', 'v1', C[0], C[1], T0 + 60_000)!.method, 'route', 'back on it');
});

test("the vehicle's own speed matters for the next minute or two, the profile for the rest", () => {
  const { state } = setup(true);
  // Three minutes crawling north at 2 m/s (reported), against a profile of 10 m/s.
  let y = 0;
  for (let s = 0; s <= 180; s += 5, y += 10) {
    const [lat, lon] = offsetLatLon(LAT, LON, 0, y);
    stepEta(state, fixAt(lat, lon, T0 + s * 1000, { speed: 2 }), []);
  }
  const now = T0 + 180_000;
  const here = y - 10;
  const soon = offsetLatLon(LAT, LON, 0, here + 200);
  const short = estimateEta(state, 't1', 'v1', soon[0], soon[1], now)!;
  const long = estimateEta(state, 't1', 'v1', C[0], C[1], now)!;
  const shortProfile = 200 / 10;
  const longProfile = (4000 - here) / 10;
  assert.ok(short.secondsToGo > 1.5 * shortProfile && short.secondsToGo < 200 / 2, `200 m: ${short.secondsToGo} s`);
  assert.ok(long.secondsToGo > longProfile + 20 && long.secondsToGo < 1.4 * longProfile, `${4000 - here} m: ${long.secondsToGo} s`);
  assert.ok(short.secondsToGo / shortProfile > long.secondsToGo / longProfile);
});

test('stepEta publishes route ETAs for a job on the route', () => {
  const { state, directory } = setup(true);
  const tenant = directory.tenant('t1')!;
  tenant.replaceSites([{ id: 'sc', lat: C[0], lon: C[1], geofenceId: null, arrivalRadiusM: 60 }]);
  tenant.replaceJobs([{ id: 'j1', siteId: 'sc', vehicleId: 'v1', status: 'assigned', routeOrder: 1, windowStart: null }]);
  const out: EtaUpdate[] = [];
  stepEta(state, fixAt(LAT, LON, T0), out);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.method, 'route');
  near(out[0]!.distanceM, 4000, 5, 'published distance');
  near(out[0]!.secondsToGo, 400, 1, 'published seconds');
  assert.equal(setVehicleRoute(state, 't1', 'v1', null), false);
  stepEta(state, fixAt(LAT, LON, T0 + 60_000), out);
  assert.equal(out[1]?.method, 'great-circle', 'the route taken away');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon, type EtaUpdate } from '@fieldtrace/protocol';
import { FleetDirectory, type JobInfo } from '../fleet/fleet-directory.js';
import type { FixInput } from '../geofence/geofence-core.js';
import {
  createEtaState,
  estimateEta,
  profileOf,
  stepEta,
  type EtaOptions,
  type EtaState,
} from './eta-core.js';
import { fixAt, LIVERPOOL, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const DEFAULTS: EtaOptions = { detourFactor: 1.3, defaultSpeedMs: 8.3, minChangeS: 60, maxSilenceS: 30, minIntervalS: 5 };

function job(id: string, siteId: string, routeOrder: number, status: JobInfo['status'] = 'assigned', vehicleId = 'v1'): JobInfo {
  return { id, siteId, vehicleId, status, routeOrder, windowStart: null };
}

/** Tenant t1: device d1 on vehicle v1 (and d2 on v2), a site `distanceM` north of the start, one job there. */
function setup(opts: EtaOptions, distanceM: number): { state: EtaState; directory: FleetDirectory; site: [number, number] } {
  const directory = new FleetDirectory();
  const tenant = directory.ensure('t1');
  const site = offsetLatLon(LAT, LON, 0, distanceM);
  const far = offsetLatLon(LAT, LON, 90, 3000);
  tenant.replaceDevices([
    { id: 'd1', vehicleId: 'v1' },
    { id: 'd2', vehicleId: 'v2' },
  ]);
  tenant.replaceSites([
    { id: 's1', lat: site[0], lon: site[1], geofenceId: null, arrivalRadiusM: 60 },
    { id: 's2', lat: far[0], lon: far[1], geofenceId: null, arrivalRadiusM: 60 },
  ]);
  tenant.replaceJobs([job('j1', 's1', 1)]);
  return { state: createEtaState(opts, directory), directory, site };
}

function run(state: EtaState, fixes: readonly FixInput[]): EtaUpdate[] {
  const out: EtaUpdate[] = [];
  for (const f of fixes) stepEta(state, f, out);
  return out;
}

/**
 * A staircase road north-east: 1 km north, 1 km east, and so on, driven at 10 m/s with a fix every 5 s from
 * `t0`. The road is √2 × the straight line over the whole climb, less over any 3 km of it.
 */
function staircase(deviceId: string, t0: number, steps: number): { fixes: FixInput[]; end: [number, number]; endTs: number } {
  const fixes: FixInput[] = [];
  let [lat, lon] = [LAT, LON];
  let t = t0;
  for (let k = 0; k < steps; k++) {
    const bearing = k % 2 === 0 ? 0 : 90;
    const start: [number, number] = [lat, lon];
    for (let m = 0; m < 1000; m += 50, t += 5000) {
      [lat, lon] = offsetLatLon(start[0], start[1], bearing, m);
      fixes.push({ ...fixAt(lat, lon, t), deviceId });
    }
    [lat, lon] = offsetLatLon(start[0], start[1], bearing, 1000);
  }
  fixes.push({ ...fixAt(lat, lon, t), deviceId });
  return { fixes, end: [lat, lon], endTs: t };
}

test('with what the fleet taught it, a vehicle on an unknown road gets a better ETA than the priors give', () => {
  const trueRatio = (endTs: number, u: EtaUpdate) => Math.abs(u.eta - endTs) / (endTs - u.basedOnTs);

  // v2 alone: its first ETA rests on the priors (8.3 m/s, detour 1.3) against a true 10 m/s and ~√2.
  const naive = setup({ ...DEFAULTS, maxSilenceS: 60 }, 0);
  const lone = staircase('d2', T0, 12);
  naive.directory.tenant('t1')!.replaceSites([{ id: 's1', lat: lone.end[0], lon: lone.end[1], geofenceId: null, arrivalRadiusM: 60 }]);
  naive.directory.tenant('t1')!.replaceJobs([job('j2', 's1', 1, 'assigned', 'v2')]);
  const naiveFirst = run(naive.state, lone.fixes)[0]!;

  // v1 drove the same staircase an hour earlier, teaching the tenant's profile its speed and detour factor.
  const taught = setup({ ...DEFAULTS, maxSilenceS: 60 }, 0);
  taught.directory.tenant('t1')!.replaceJobs([]);
  run(taught.state, staircase('d1', T0 - 3_600_000, 12).fixes);
  const profile = profileOf(taught.state, 't1');
  assert.ok(profile.detourFactor() > 1.3 && profile.detourFactor() < 1.45, `learned detour ${profile.detourFactor()}`);
  taught.directory.tenant('t1')!.replaceSites([{ id: 's1', lat: lone.end[0], lon: lone.end[1], geofenceId: null, arrivalRadiusM: 60 }]);
  taught.directory.tenant('t1')!.replaceJobs([job('j2', 's1', 1, 'assigned', 'v2')]);
  const updates = run(taught.state, lone.fixes);

  const naiveError = trueRatio(lone.endTs, naiveFirst);
  const taughtError = trueRatio(lone.endTs, updates[0]!);
  assert.ok(naiveError > 0.08, `priors alone: ${naiveError}`);
  assert.ok(taughtError < 0.06, `taught: ${taughtError}`);
  for (const u of updates) {
    if (lone.endTs - u.basedOnTs < 600_000) continue; // the last minutes: the staircase's phase dominates
    assert.ok(trueRatio(lone.endTs, u) < 0.08, `at ${(u.basedOnTs - T0) / 1000} s: ${trueRatio(lone.endTs, u)}`);
    assert.equal(u.method, 'great-circle');
  }
});

test('learning can be switched off', () => {
  const { state } = setup({ ...DEFAULTS, learn: false }, 5000);
  run(state, staircase('d1', T0, 4).fixes);
  assert.equal(profileOf(state, 't1').snapshot().rows.length, 0);
  assert.equal(state.counters.learned, 0);
  const on = setup(DEFAULTS, 5000).state;
  run(on, staircase('d1', T0, 4).fixes);
  assert.ok(profileOf(on, 't1').snapshot().rows.length > 0);
  assert.ok(on.counters.learned > 0);
});

test('updates are throttled: first, then every 30 s of silence, at once on a >60 s move but never within 5 s', () => {
  // Detour 1 and the vehicle driving straight at the default speed: the predicted arrival stays put.
  const { state } = setup({ ...DEFAULTS, detourFactor: 1 }, 5000);
  const fixes: FixInput[] = [];
  for (let k = 0; k <= 250; k++) {
    // At k = 183 the vehicle is 1 km further back (a wrong turn): the ETA jumps by ~120 s.
    const y = 8.3 * k - (k >= 183 ? 1000 : 0);
    const [lat, lon] = offsetLatLon(LAT, LON, 0, y);
    fixes.push(fixAt(lat, lon, T0 + k * 1000, { speed: 8.3 }));
  }
  const updates = run(state, fixes);
  assert.deepEqual(
    updates.map((u) => (u.basedOnTs - T0) / 1000),
    [0, 30, 60, 90, 120, 150, 180, 185, 215, 245],
  );
  const before = updates[6]!;
  const after = updates[7]!;
  assert.ok(Math.abs(after.eta - before.eta - 120_000) < 2_000, `jump ${after.eta - before.eta} ms`);
  assert.ok(Math.abs(updates[1]!.eta - updates[0]!.eta) < 1_000, 'steady ETA');
});

test('a new next job is published at once; no open job, no update; arrived means 0 s to go', () => {
  const { state, directory, site } = setup(DEFAULTS, 2000);
  const tenant = directory.tenant('t1')!;
  const at = (lat: number, lon: number, s: number) => run(state, [fixAt(lat, lon, T0 + s * 1000, { speed: 8 })]);

  assert.equal(at(LAT, LON, 0)[0]?.jobId, 'j1');
  assert.deepEqual(at(LAT, LON, 1), []);
  tenant.replaceJobs([job('j1', 's1', 1, 'completed'), job('j2', 's2', 2)]);
  const next = at(LAT, LON, 2);
  assert.equal(next[0]?.jobId, 'j2');
  assert.equal(next[0]?.siteId, 's2');

  tenant.replaceJobs([job('j3', 's1', 3, 'scheduled')]);
  const arrived = at(site[0], site[1], 3)[0];
  assert.equal(arrived?.secondsToGo, 0);
  assert.equal(arrived?.eta, T0 + 3000);

  tenant.replaceJobs([job('j3', 's1', 3, 'on_site')]);
  assert.deepEqual(at(site[0], site[1], 60), []);
});

test('the lowest route order is the next job, then the earliest window, then the id', () => {
  const { state, directory } = setup(DEFAULTS, 2000);
  directory.tenant('t1')!.replaceJobs([
    { ...job('unordered', 's1', 0), routeOrder: null },
    { ...job('b', 's2', 1), windowStart: T0 },
    { ...job('a', 's2', 1), windowStart: T0 },
    { ...job('early', 's1', 1), windowStart: T0 - 1 },
    { ...job('unscheduled', 's1', 1), windowStart: null },
    job('done', 's1', 0, 'completed'),
  ]);
  assert.equal(run(state, [fixAt(LAT, LON, T0)])[0]?.jobId, 'early');
  directory.tenant('t1')!.replaceJobs([{ ...job('b', 's2', 1), windowStart: T0 }, { ...job('a', 's2', 1), windowStart: T0 }]);
  assert.equal(run(state, [fixAt(LAT, LON, T0 + 1000)])[0]?.jobId, 'a');
});

test('a first fix is estimated from the priors: great circle × ETA_DETOUR_FACTOR at ETA_DEFAULT_SPEED_MS', () => {
  const { state } = setup(DEFAULTS, 5000);
  const [first] = run(state, [fixAt(LAT, LON, T0, { speed: 0.5 })]);
  assert.ok(Math.abs(first!.secondsToGo - (5000 * 1.3) / 8.3) < 2, `seconds ${first!.secondsToGo}`);
  assert.ok(Math.abs(first!.distanceM - 5000 * 1.3) < 2, 'distance is the road distance assumed');
});

test('ETA on demand: from the last fix to any place, counted from now; unknown vehicles have none', () => {
  const { state } = setup(DEFAULTS, 5000);
  assert.equal(estimateEta(state, 't1', 'v1', LAT, LON, T0), null);
  run(state, [fixAt(LAT, LON, T0)]);
  assert.equal(estimateEta(state, 't1', 'nobody', LAT, LON, T0), null);
  assert.equal(estimateEta(state, 'other', 'v1', LAT, LON, T0), null);

  const [pLat, pLon] = offsetLatLon(LAT, LON, 45, 2000);
  const fresh = estimateEta(state, 't1', 'v1', pLat, pLon, T0)!;
  assert.equal(fresh.method, 'great-circle');
  assert.equal(fresh.basedOnTs, T0);
  assert.ok(Math.abs(fresh.secondsToGo - (2000 * 1.3) / 8.3) < 1);
  // Asked 100 s later without a new fix: same arrival, 100 s less to go.
  const later = estimateEta(state, 't1', 'v1', pLat, pLon, T0 + 100_000)!;
  assert.equal(later.eta, fresh.eta);
  assert.ok(Math.abs(fresh.secondsToGo - later.secondsToGo - 100) < 1e-6);
  assert.equal(estimateEta(state, 't1', 'v1', LAT, LON, T0, 30)!.secondsToGo, 0, 'within the arrival radius');
});


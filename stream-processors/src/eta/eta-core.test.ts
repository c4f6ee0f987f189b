import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon, type EtaUpdate } from '@fieldtrace/protocol';
import { FleetDirectory, type JobInfo } from '../fleet/fleet-directory.js';
import type { FixInput } from '../geofence/geofence-core.js';
import { blendedSpeedMs, createEtaState, MIN_SPEED_MS, stepEta, type EtaOptions, type EtaState } from './eta-core.js';
import { fixAt, LIVERPOOL, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const DEFAULTS: EtaOptions = { detourFactor: 1.3, defaultSpeedMs: 8.3, minChangeS: 60, maxSilenceS: 30, minIntervalS: 5 };

function job(id: string, siteId: string, routeOrder: number, status: JobInfo['status'] = 'assigned'): JobInfo {
  return { id, siteId, vehicleId: 'v1', status, routeOrder, windowStart: null };
}

/** Tenant t1: device d1 on vehicle v1, a site `distanceM` north of the start, one job there. */
function setup(opts: EtaOptions, distanceM: number): { state: EtaState; directory: FleetDirectory; site: [number, number] } {
  const directory = new FleetDirectory();
  const tenant = directory.ensure('t1');
  const site = offsetLatLon(LAT, LON, 0, distanceM);
  const far = offsetLatLon(LAT, LON, 90, 3000);
  tenant.replaceDevices([{ id: 'd1', vehicleId: 'v1' }]);
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
 * A road that zigzags 39.7° either side of the straight line to the site, so the road is 1.3 × the straight-line
 * distance all the way (the detour factor's assumption), driven at a constant 10 m/s with a fix every 5 s.
 */
function zigzagApproach(distanceM: number, withSpeed: boolean): { fixes: FixInput[]; arrivalTs: number } {
  const cos = 1 / 1.3;
  const sin = Math.sqrt(1 - cos * cos);
  const leg = 200;
  const pathM = distanceM / cos;
  const fixes: FixInput[] = [];
  for (let t = 0; 10 * t <= pathM; t += 5) {
    const s = 10 * t;
    const j = Math.floor(s / leg);
    const u = s - j * leg;
    const lateral = (j % 2 === 0 ? u : leg - u) * sin;
    const [a, b] = offsetLatLon(LAT, LON, 0, s * cos);
    const [lat, lon] = offsetLatLon(a, b, 90, lateral);
    fixes.push(fixAt(lat, lon, T0 + t * 1000, withSpeed ? { speed: 10 } : {}));
  }
  return { fixes, arrivalTs: T0 + (pathM / 10) * 1000 };
}

for (const withSpeed of [true, false]) {
  test(`approaching at constant speed, the ETA converges to the true arrival within 20% (speed ${withSpeed ? 'reported' : 'derived from fixes'})`, () => {
    const { state } = setup(DEFAULTS, 8000);
    const { fixes, arrivalTs } = zigzagApproach(8000, withSpeed);
    const updates = run(state, fixes);
    assert.ok(updates.length >= 10, `updates: ${updates.length}`);

    const relErrors: number[] = [];
    for (const u of updates) {
      const remainingMs = arrivalTs - u.basedOnTs;
      if (remainingMs < 120_000) continue; // near the door the zigzag's phase dominates any relative error
      const err = Math.abs(u.eta - arrivalTs) / remainingMs;
      relErrors.push(err);
      // The first minute is warm-up: a first fix without a speed carries only the 8.3 m/s prior (17% slow here).
      if (u.basedOnTs - T0 < 60_000) continue;
      assert.ok(err <= 0.2, `ETA ${u.eta - T0} ms vs arrival ${arrivalTs - T0} ms at ${u.basedOnTs - T0}: ${(err * 100).toFixed(1)}%`);
    }
    // Converging: once the observed speed dominates, the estimate is much better than the first one.
    assert.ok(relErrors[0]! > 0.1, `first error ${relErrors[0]}`);
    assert.ok(relErrors.at(-1)! < 0.08, `late error ${relErrors.at(-1)}`);
    for (const u of updates) {
      assert.equal(u.method, 'great-circle');
      assert.equal(u.jobId, 'j1');
      assert.equal(u.vehicleId, 'v1');
      assert.equal(u.siteId, 's1');
    }
  });
}

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

test('speed assumed: slow fixes are not evidence, and never below 3 m/s', () => {
  const slow = { ...DEFAULTS, defaultSpeedMs: 2 };
  assert.equal(blendedSpeedMs(slow, 0, 0), MIN_SPEED_MS);
  const { state } = setup(DEFAULTS, 5000);
  const crawl: FixInput[] = [];
  for (let k = 0; k < 20; k++) crawl.push(fixAt(LAT, LON, T0 + k * 1000, { speed: 0.5 }));
  const [first] = run(state, crawl);
  // 5 km × 1.3 at the default 8.3 m/s: the crawl counted for nothing.
  assert.ok(Math.abs(first!.secondsToGo - (5000 * 1.3) / 8.3) < 2);
});

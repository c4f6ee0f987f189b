import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM, offsetLatLon, type GeofenceEvent, type LonLat } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { advanceGeofence, createGeofenceState, fencesOf, stepGeofence, upsertFence, type FixInput, type GeofenceState } from './geofence-core.js';
import type { FenceDef } from './compiled-fence.js';
import { fixAt, LIVERPOOL, straightTrack, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const MIN = 60_000;

function newState(directory = new FleetDirectory()): GeofenceState {
  return createGeofenceState({ maxMarginM: 25 }, directory);
}

function run(state: GeofenceState, fixes: readonly FixInput[]): GeofenceEvent[] {
  const out: GeofenceEvent[] = [];
  for (const f of fixes) stepGeofence(state, f, out);
  return out;
}

function circle(id: string, radiusM: number, extra: Partial<FenceDef> = {}): FenceDef {
  return { id, siteId: null, shape: { type: 'circle', center: [LON, LAT], radiusM }, ...extra };
}

/** Fixes every `everyS` seconds at one place from t0 for `forS` seconds, with ±`jitterM` of deterministic wobble. */
function parked(lat: number, lon: number, t0: number, forS: number, everyS: number, jitterM = 0): FixInput[] {
  const out: FixInput[] = [];
  for (let s = 0; s <= forS; s += everyS) {
    const [jLat, jLon] = offsetLatLon(lat, lon, (s * 37) % 360, jitterM * Math.sin(s));
    out.push(fixAt(jLat, jLon, t0 + s * 1000, { accuracy: Math.max(5, jitterM) }));
  }
  return out;
}

const kinds = (events: readonly GeofenceEvent[]) => events.map((e) => e.transition);

test('arrive after the minimum dwell, timed at the entry; depart after the minimum absence, timed at the exit', () => {
  const state = newState();
  upsertFence(state, 't1', circle('site', 80, { kind: 'site' }));
  const [outLat, outLon] = offsetLatLon(LAT, LON, 0, 500);
  const events = run(state, [
    fixAt(outLat, outLon, T0),
    ...parked(LAT, LON, T0 + 30_000, 10 * 60, 15, 8), // ten minutes on site, GPS wobbling 8 m
    fixAt(outLat, outLon, T0 + 11 * MIN), // gone
    fixAt(outLat, outLon, T0 + 15 * MIN), // still gone four minutes later: departed
  ]);
  assert.deepEqual(kinds(events), ['enter', 'arrive', 'exit', 'depart']);
  const [enter, arrive, exit, depart] = events as [GeofenceEvent, GeofenceEvent, GeofenceEvent, GeofenceEvent];
  assert.equal(arrive.ts, enter.ts, 'the arrival time is when it entered');
  assert.equal(arrive.confirmedTs, enter.ts + 2 * MIN, 'confirmed two minutes later (site default)');
  assert.equal(depart.ts, exit.ts, 'the departure time is when it left');
  assert.equal(depart.confirmedTs, exit.ts + 3 * MIN);
  // Entered on the segment from 500 m out to the site: 420 m of 500 m in 30 s.
  assert.ok(Math.abs(enter.ts - (T0 + 25_200)) <= 1, `enter at ${enter.ts - T0} ms`);
});

test('a stop shorter than the dwell is enter and exit only; a short absence is exit and re-enter, never depart', () => {
  const state = newState();
  upsertFence(state, 't1', circle('site', 80));
  const [outLat, outLon] = offsetLatLon(LAT, LON, 0, 500);
  const brief = run(state, [fixAt(outLat, outLon, T0), ...parked(LAT, LON, T0 + 30_000, 60, 10), fixAt(outLat, outLon, T0 + 2 * MIN)]);
  assert.deepEqual(kinds(brief), ['enter', 'exit']);

  const back = run(state, [
    ...parked(LAT, LON, T0 + 5 * MIN, 5 * 60, 30), // arrives
    fixAt(outLat, outLon, T0 + 11 * MIN), // steps out to the street for a minute...
    ...parked(LAT, LON, T0 + 12 * MIN, 5 * 60, 30), // ...and comes back
  ]);
  assert.deepEqual(kinds(back), ['enter', 'arrive', 'exit', 'enter']);
  assert.equal(fencesOf(state, 't1', 'd1').length, 1);
});

test('a heartbeat while parked and silent completes the dwell', () => {
  const state = newState();
  upsertFence(state, 't1', circle('site', 80, { dwellInS: 300 }));
  const out = run(state, [fixAt(LAT, LON, T0)]);
  assert.deepEqual(kinds(out), ['enter']);
  assert.equal(advanceGeofence(state, 't1', 'd1', T0 + 4 * MIN, out), 0);
  assert.equal(advanceGeofence(state, 't1', 'd1', T0 + 6 * MIN, out), 1);
  assert.deepEqual(kinds(out), ['enter', 'arrive']);
  assert.equal(out[1]!.confirmedTs, T0 + 5 * MIN, 'per-fence dwell overrides the kind default');
});

test('sparse fixes that jump across a fence yield enter and exit at the interpolated crossings', () => {
  const state = newState();
  upsertFence(state, 't1', circle('gate', 100));
  // 30 s between fixes at 20 m/s: 600 m apart, 300 m either side of the centre.
  const events = run(state, straightTrack(offsetLatLon(LAT, LON, 180, 300), 0, 20, 30, 2, T0, { accuracy: 10 }));
  assert.deepEqual(kinds(events), ['enter', 'exit']);
  assert.ok(events.every((e) => e.passThrough === true));
  assert.equal(events[0]!.ts, T0 + 10_000); // y = -100 m after 200 m at 20 m/s
  assert.equal(events[1]!.ts, T0 + 20_000);
  assert.ok(Math.abs(haversineM(events[1]!.lat, events[1]!.lon, LAT, LON) - 100) < 0.5);

  // Clipping the fence 95 m from its centre with 10 m accuracy is not deep enough to count.
  const clip = straightTrack(offsetLatLon(...offsetLatLon(LAT, LON, 90, 95), 180, 300), 0, 20, 30, 2, T0, { deviceId: 'clip', accuracy: 10 });
  assert.deepEqual(run(state, clip), []);

  // Across a gap longer than five minutes the straight line is a guess, not a path.
  const silent = [fixAt(...offsetLatLon(LAT, LON, 180, 300), T0, { deviceId: 'silent' }), fixAt(...offsetLatLon(LAT, LON, 0, 300), T0 + 10 * MIN, { deviceId: 'silent' })];
  assert.deepEqual(run(state, silent), []);
});

test('a fence between two fixes in different grid cells is found along the segment', () => {
  const state = newState();
  // 1.2 km between fixes: several 250 m cells apart, the fence in neither end's cell.
  upsertFence(state, 't1', circle('far', 60));
  const events = run(state, straightTrack(offsetLatLon(LAT, LON, 270, 600), 90, 20, 60, 2));
  assert.deepEqual(kinds(events), ['enter', 'exit']);
});

test('corridors: inside within half the width of the line, with hysteresis', () => {
  const state = newState();
  const a = offsetLatLon(LAT, LON, 270, 1000);
  const b = offsetLatLon(LAT, LON, 90, 1000);
  const c = offsetLatLon(b[0], b[1], 0, 1000);
  const path: LonLat[] = [[a[1], a[0]], [b[1], b[0]], [c[1], c[0]]];
  upsertFence(state, 't1', { id: 'haul-road', siteId: null, kind: 'zone', dwellInS: 0, dwellOutS: 0, shape: { type: 'corridor', path, widthM: 40 } });
  // Along the road 10 m off its centre line, then turning off it northward at the middle.
  const along = straightTrack(offsetLatLon(a[0], a[1], 0, 10), 90, 10, 5, 20, T0, { accuracy: 5 });
  const off = straightTrack(offsetLatLon(along[19]!.lat, along[19]!.lon, 0, 0), 0, 10, 5, 6, T0 + 100_000, { accuracy: 5 });
  const events = run(state, [...along, ...off.slice(1)]);
  assert.deepEqual(kinds(events), ['enter', 'arrive', 'exit', 'depart']);
  // The 20 m half-width is crossed a fifth of the way from the last fix on the road (10 m off the line, at 95 s)
  // to the next one (60 m off it, at 105 s).
  assert.equal(events[2]!.ts, T0 + 97_000);
});

test('multipolygons: each member counts, holes do not', () => {
  const state = newState();
  const square = (lat: number, lon: number, half: number): LonLat[] => {
    const [n] = offsetLatLon(lat, lon, 0, half);
    const [s] = offsetLatLon(lat, lon, 180, half);
    const e = offsetLatLon(lat, lon, 90, half)[1];
    const w = offsetLatLon(lat, lon, 270, half)[1];
    return [[w, s], [e, s], [e, n], [w, n], [w, s]];
  };
  const east = offsetLatLon(LAT, LON, 90, 1000);
  upsertFence(state, 't1', { id: 'yards', siteId: null, shape: { type: 'multipolygon', coordinates: [[square(LAT, LON, 200), square(LAT, LON, 50)], [square(east[0], east[1], 100)]] } });
  const at = (lat: number, lon: number, deviceId: string) => kinds(run(state, [fixAt(lat, lon, T0, { deviceId })]));
  assert.deepEqual(at(...offsetLatLon(LAT, LON, 0, 120), 'a'), ['enter']);
  assert.deepEqual(at(LAT, LON, 'hole'), []);
  assert.deepEqual(at(east[0], east[1], 'b'), ['enter']);
  assert.deepEqual(at(...offsetLatLon(LAT, LON, 90, 500), 'between'), []);
});

test('a job fence can be entered only by its vehicle and only inside the appointment window', () => {
  const directory = new FleetDirectory();
  directory.ensure('t1').replaceDevices([
    { id: 'd1', vehicleId: 'v1' },
    { id: 'd2', vehicleId: 'v2' },
  ]);
  const state = newState(directory);
  const from = T0 + 60 * MIN;
  upsertFence(state, 't1', circle('job:j1', 80, { kind: 'job', jobId: 'j1', siteId: 's1', vehicleId: 'v1', activeFrom: from, activeTo: from + 120 * MIN }));
  const early = run(state, parked(LAT, LON, T0, 10 * 60, 60));
  assert.deepEqual(kinds(early), [], 'before the window (and its margin) the fence does not exist for anyone');
  const other = run(state, parked(LAT, LON, from, 10 * 60, 60).map((f) => ({ ...f, deviceId: 'd2' })));
  assert.deepEqual(kinds(other), [], 'another vehicle at the site is not the job’s crew');
  const [outLat, outLon] = offsetLatLon(LAT, LON, 0, 500);
  const mine = run(state, [fixAt(outLat, outLon, from), ...parked(LAT, LON, from + MIN, 10 * 60, 60)]);
  assert.deepEqual(kinds(mine), ['enter', 'arrive']);
  assert.ok(mine.every((e) => e.jobId === 'j1' && e.siteId === 's1' && e.vehicleId === 'v1'));
  // The window ending while the crew is still on site does not throw them out: leaving is still tracked.
  const leave = run(state, [fixAt(outLat, outLon, from + 200 * MIN), fixAt(outLat, outLon, from + 210 * MIN)]);
  assert.deepEqual(kinds(leave), ['exit', 'depart']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { haversineM, offsetLatLon, type LonLat } from '@fieldtrace/protocol';
import { sharedFixture } from '@fieldtrace/testkit';
import { arrivals, ErrorTally, meanTripSpeedMs, replayAccuracy, type ReplayTrip, type TrackFix } from './eta-accuracy.js';
import type { EtaOptions } from './eta-core.js';
import { LIVERPOOL, T0 } from '../test-support/tracks.js';

const ETA: EtaOptions = { detourFactor: 1.3, defaultSpeedMs: 8.3, minChangeS: 120, maxSilenceS: 30, minIntervalS: 5 };

/** Arriva route 14 outbound, 16 trips of 8 buses (see the fixtures README): vehicle_id, trip_id, timestamp, lat, lon. */
function liverpoolTrips(): Array<{ vehicleId: string; fixes: TrackFix[] }> {
  const lines = readFileSync(sharedFixture('fixtures/trajectories/liverpool-route14-outbound.csv'), 'utf8').trim().split('\n');
  const trips = new Map<string, { vehicleId: string; fixes: TrackFix[] }>();
  for (const line of lines.slice(1)) {
    const c = line.split(',').map((s) => s.replace(/^"|"$/g, ''));
    const key = `${c[1]}/${c[2]}`;
    let trip = trips.get(key);
    if (!trip) trips.set(key, (trip = { vehicleId: c[1]!, fixes: [] }));
    trip.fixes.push({ ts: Date.parse(`${c[3]!.replace(' ', 'T')}Z`), lat: Number(c[4]), lon: Number(c[5]) });
  }
  return [...trips.values()];
}

function pathM(fixes: readonly TrackFix[]): number {
  let m = 0;
  for (let i = 1; i < fixes.length; i++) m += haversineM(fixes[i - 1]!.lat, fixes[i - 1]!.lon, fixes[i]!.lat, fixes[i]!.lon);
  return m;
}

test('regression: on held-out Liverpool buses the learned ETA beats the straight-line baselines', () => {
  const trips = liverpoolTrips();
  assert.equal(trips.length, 16);
  const tally = new ErrorTally();
  for (const vehicle of new Set(trips.map((t) => t.vehicleId))) {
    const train: ReplayTrip[] = trips.filter((t) => t.vehicleId !== vehicle).map((t) => ({ ...t, targets: [], route: null }));
    // The planned route: the track of the longest training trip, a complete run of route 14 (as bench/eta).
    const route: LonLat[] = train.reduce((a, b) => (pathM(b.fixes) > pathM(a.fixes) ? b : a)).fixes.map((f) => [f.lon, f.lat]);
    const test = trips
      .filter((t) => t.vehicleId === vehicle)
      .map((t) => ({ ...t, targets: arrivals(t.fixes, [t.fixes.at(-1)!], 30), route }));
    replayAccuracy([...train, ...test], { eta: ETA, fixedSpeedMs: meanTripSpeedMs(train) }, tally);
  }
  const [base, fixed, line, route] = (['baseline', 'fixedSpeed', 'greatCircle', 'route'] as const).map((m) => tally.summary(m));
  const all = 4;
  assert.ok(base![all]!.count > 1400, `predictions ${base![all]!.count}`);
  const mae = (s: typeof base) => (s![all]!.maeS / 60).toFixed(2);
  // Measured when written: baseline 14.4 min, fleet speed 3.5, learned great circle 3.7, learned route 3.2.
  assert.ok(route![all]!.maeS < 0.3 * base![all]!.maeS, `route ${mae(route)} vs baseline ${mae(base)} min`);
  assert.ok(line![all]!.maeS < 0.35 * base![all]!.maeS, `great circle ${mae(line)} vs baseline ${mae(base)} min`);
  assert.ok(route![all]!.maeS < fixed![all]!.maeS, `route ${mae(route)} vs fixed speed ${mae(fixed)} min`);
  assert.ok(route![all]!.p90S < base![all]!.p90S / 3, 'p90, route vs baseline');
  for (let b = 0; b < all; b++) {
    assert.ok(route![b]!.maeS < base![b]!.maeS, `bucket ${b}: route ${route![b]!.maeS} vs baseline ${base![b]!.maeS} s`);
    assert.ok(line![b]!.maeS < base![b]!.maeS, `bucket ${b}: great circle ${line![b]!.maeS} vs baseline ${base![b]!.maeS} s`);
  }
});

test('a place is reached at the first fix within the radius after having been away from it', () => {
  const [lat, lon] = LIVERPOOL;
  const track: TrackFix[] = [0, 20, 100, 200, 100, 10].map((m, i) => {
    const [a, b] = offsetLatLon(lat, lon, 0, m);
    return { ts: T0 + i * 1000, lat: a, lon: b };
  });
  const stop = offsetLatLon(lat, lon, 0, 190);
  assert.deepEqual(
    arrivals(track, [{ lat, lon }, { lat: stop[0], lon: stop[1] }, { lat: lat + 1, lon }], 30).map((t) => t.arrivalTs - T0),
    [3000, 5000],
  );
});

test('errors are bucketed by the actual time to go, with mean, 90th percentile and bias', () => {
  const tally = new ErrorTally();
  for (let i = 1; i <= 10; i++) tally.add('route', 60, 60 + i * 10); // 0–5 min: late by 10..100 s
  tally.add('route', 1000, 900); // 15–30 min: early by 100 s
  const s = tally.summary('route');
  assert.deepEqual(s.map((x) => x.count), [10, 0, 1, 0, 11]);
  assert.equal(s[0]!.maeS, 55);
  assert.equal(s[0]!.p90S, 90);
  assert.equal(s[0]!.biasS, 55);
  assert.equal(s[2]!.biasS, -100);
  assert.ok(Number.isNaN(s[1]!.maeS));
});

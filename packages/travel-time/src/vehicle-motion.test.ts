import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon } from '@fieldtrace/protocol';
import { SpeedProfile, hourOfWeek } from './speed-profile.js';
import { VehicleMotion } from './vehicle-motion.js';
import { seededRandom } from '@fieldtrace/testkit';
import { LIVERPOOL, T0 } from './test-constants.js';

const [LAT, LON] = LIVERPOOL;
const HOUR = hourOfWeek(T0);

function profile(): SpeedProfile {
  return new SpeedProfile({ priorSpeedMs: 8, priorDetourFactor: 1.3, shrinkS: 0 });
}

/** A vehicle fed fixes east of LIVERPOOL: position in metres east, time in seconds after T0. */
function feeder(p: SpeedProfile) {
  const m = new VehicleMotion();
  let learned = 0;
  return {
    motion: m,
    get learned() {
      return learned;
    },
    at(eastM: number, s: number, speed?: number) {
      const [lat, lon] = offsetLatLon(LAT, LON, 90, eastM);
      if (m.observe(p, true, lat, lon, T0 + s * 1000, speed)) learned++;
    },
  };
}

function cellEast(p: SpeedProfile, eastM: number): string {
  const [lat, lon] = offsetLatLon(LAT, LON, 90, eastM);
  return p.cellAt(lat, lon);
}

test('a stop on the way slows its cell; a layover at the end of the trip teaches nothing', () => {
  const p = profile();
  const v = feeder(p);
  let t = 0;
  let x = 0;
  for (; x < 3000; x += 50, t += 5) v.at(x, t); // 10 m/s, a fix every 5 s
  const stopX = x;
  for (let k = 0; k < 12; k++, t += 5) v.at(stopX, t); // a 60 s stop
  for (; x < stopX + 2000; x += 50, t += 5) v.at(x, t);
  const endX = x;
  for (let k = 0; k < 180; k++, t += 5) v.at(endX, t); // 15 minutes at the terminus, and the data ends

  const stopCell = cellEast(p, stopX);
  const endCell = cellEast(p, endX);
  assert.notEqual(stopCell, endCell);
  const [sLat, sLon] = offsetLatLon(LAT, LON, 90, stopX);
  const [eLat, eLon] = offsetLatLon(LAT, LON, 90, endX);
  assert.ok(p.speedAt(sLat, sLon, HOUR) < 8, `stop cell ${p.speedAt(sLat, sLon, HOUR)} m/s`);
  assert.ok(Math.abs(p.speedAt(eLat, eLon, HOUR) - 10) < 0.5, `terminus cell ${p.speedAt(eLat, eLon, HOUR)} m/s`);
});

test('after a layover the vehicle teaches the profile again, and its standing time is not part of it', () => {
  const p = profile();
  const v = feeder(p);
  let t = 0;
  for (let k = 0; k < 120; k++, t += 5) v.at(0, t); // 10 minutes parked
  for (let x = 0; x <= 2000; x += 50, t += 5) v.at(x, t);
  const [lat, lon] = offsetLatLon(LAT, LON, 90, 0);
  assert.ok(Math.abs(p.speedAt(lat, lon, HOUR) - 10) < 0.5, `start cell ${p.speedAt(lat, lon, HOUR)} m/s`);
  assert.ok(v.learned > 5);
});

test('GPS jitter at a standstill is neither speed nor travel', () => {
  const p = profile();
  const v = feeder(p);
  const rnd = seededRandom(7);
  for (let s = 0; s < 150; s++) {
    const [lat, lon] = offsetLatLon(LAT, LON, rnd() * 360, rnd() * 8);
    v.motion.observe(p, true, lat, lon, T0 + s * 1000, undefined);
  }
  assert.ok(v.motion.recentSpeedMs < 0.3, `recent speed ${v.motion.recentSpeedMs}`);
  assert.equal(p.snapshot().rows.length, 0, 'standing is held back until the vehicle moves on');
});

test('a jump between fixes is not travel', () => {
  const p = profile();
  const v = feeder(p);
  let t = 0;
  for (let x = 0; x <= 1000; x += 50, t += 5) v.at(x, t);
  const before = p.snapshot();
  const recent = v.motion.recentSpeedMs;
  v.at(21_000, t + 10); // 20 km in 10 s
  assert.deepEqual(p.snapshot(), before);
  assert.equal(v.motion.recentSpeedMs, recent);
  for (let x = 21_050; x <= 22_000; x += 50, t += 5) v.at(x, t + 15);
  assert.ok(Math.abs(v.motion.recentSpeedMs - 10) < 0.5, `speed after the jump ${v.motion.recentSpeedMs}`);
});

test("a receiver's reported speed drives the recent speed, stops included", () => {
  const p = profile();
  const v = feeder(p);
  let t = 0;
  for (let x = 0; x <= 1500; x += 60, t += 5) v.at(x, t, 12);
  assert.ok(Math.abs(v.motion.recentSpeedMs - 12) < 0.1);
  for (let k = 0; k < 12; k++, t += 5) v.at(1500, t, 0);
  assert.ok(v.motion.recentSpeedMs < 12 * 0.7, `after a minute standing ${v.motion.recentSpeedMs}`);
});

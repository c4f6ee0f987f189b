import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon } from '@fieldtrace/protocol';
import { SpeedProfile, hourOfWeek, type ProfileSnapshot } from './speed-profile.js';
import { LIVERPOOL, T0 } from './test-constants.js';

const [LAT, LON] = LIVERPOOL;
const PRIOR = { priorSpeedMs: 20, priorDetourFactor: 1.3 };
/** T0 is Monday 2026-01-26 16:00 UTC. */
const MONDAY_16 = 16;

function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} ± ${tolerance}`);
}

/** `seconds` of travel at `speedMs` inside the cell of a point, in 30 s stretches, at an hour of the week. */
function drive(p: SpeedProfile, lat: number, lon: number, hour: number, speedMs: number, seconds: number): void {
  const cell = p.cellAt(lat, lon);
  for (let s = 0; s < seconds; s += 30) p.observeInCell(cell, hour, speedMs * 30, 30);
}

test('hour of week counts from Monday 00:00 UTC', () => {
  assert.equal(hourOfWeek(T0), MONDAY_16);
  assert.equal(hourOfWeek(Date.parse('2026-01-26T00:00:00Z')), 0);
  assert.equal(hourOfWeek(Date.parse('2026-02-01T23:59:59Z')), 167);
  assert.equal(hourOfWeek(Date.parse('1969-12-31T23:30:00Z')), 71);
});

test('a learned speed is distance over time, not the average of the speeds', () => {
  const p = new SpeedProfile({ ...PRIOR, shrinkS: 0 });
  const cell = p.cellAt(LAT, LON);
  p.observeInCell(cell, 8, 1000, 100); // 10 m/s
  p.observeInCell(cell, 8, 1000, 400); // 2.5 m/s
  near(p.speedAt(LAT, LON, 8), 4, 1e-9, '2 km in 500 s');
});

test('lookups fall back from cell and hour to the cell at any hour, the parent cell, the fleet, then the prior', () => {
  const p = new SpeedProfile(PRIOR);
  assert.equal(p.speedAt(LAT, LON, 8), 20, 'nothing learned: the prior');

  // An hour of travel at 12 m/s at 08:00 and at 4 m/s at 17:00, in one cell.
  drive(p, LAT, LON, 8, 12, 3600);
  drive(p, LAT, LON, 17, 4, 3600);
  near(p.speedAt(LAT, LON, 8), 12, 0.6, 'cell at 08:00');
  near(p.speedAt(LAT, LON, 17), 4, 0.6, 'cell at 17:00');
  // Any hour: 57.6 km in 7,200 s.
  near(p.speedAt(LAT, LON, 3), 8, 0.6, 'cell at an hour never seen');

  // A cell 1.5 km north, under the same res-6 parent, was never driven: the parent's figures stand in.
  const [nLat, nLon] = offsetLatLon(LAT, LON, 0, 1500);
  assert.notEqual(p.cellAt(nLat, nLon), p.cellAt(LAT, LON));
  assert.equal(p.parentOfCell(p.cellAt(nLat, nLon)), p.parentOfCell(p.cellAt(LAT, LON)));
  near(p.speedAt(nLat, nLon, 8), 12, 0.6, 'neighbour at 08:00 (parent at 08:00)');
  near(p.speedAt(nLat, nLon, 3), 8, 0.6, 'neighbour at 03:00 (parent, any hour)');

  // 60 km away is another parent: the fleet's figures.
  const [fLat, fLon] = offsetLatLon(LAT, LON, 0, 60_000);
  assert.notEqual(p.parentOfCell(p.cellAt(fLat, fLon)), p.parentOfCell(p.cellAt(LAT, LON)));
  near(p.speedAt(fLat, fLon, 17), 4, 0.6, 'far away at 17:00 (fleet at 17:00)');
  near(p.speedAt(fLat, fLon, 3), 8, 0.6, 'far away at 03:00 (fleet, any hour)');
});

test('a cell seen briefly leans on its parent; a cell seen for long speaks for itself', () => {
  const p = new SpeedProfile(PRIOR);
  const [bLat, bLon] = offsetLatLon(LAT, LON, 0, 1500);
  drive(p, LAT, LON, 8, 10, 3600);
  drive(p, bLat, bLon, 8, 2, 30); // one stretch at 2 m/s
  const brief = p.speedAt(bLat, bLon, 8);
  assert.ok(brief > 8, `30 s of evidence moved the estimate to ${brief}`);
  drive(p, bLat, bLon, 8, 2, 3600);
  near(p.speedAt(bLat, bLon, 8), 2, 0.5, 'after an hour of evidence');
});

test('old travel fades once a cell holds maxWeightS of it, so the profile follows a change', () => {
  const p = new SpeedProfile({ ...PRIOR, maxWeightS: 3600 });
  drive(p, LAT, LON, 8, 10, 3600);
  drive(p, LAT, LON, 8, 5, 3600);
  const after = p.speedAt(LAT, LON, 8);
  // Without fading: 54 km in 7,200 s = 7.5 m/s. With it, about e⁻¹ of the first hour is left: ~6.85 m/s.
  assert.ok(after > 6.5 && after < 7.1, `speed ${after}`);
  assert.ok(p.weightS(p.cellAt(LAT, LON), 8) <= 3600);
});

test('a snapshot holds cell-hour rows only, and loading it gives the same estimates', () => {
  const p = new SpeedProfile(PRIOR);
  drive(p, LAT, LON, 8, 12, 1200);
  drive(p, LAT, LON, 17, 4, 600);
  const [nLat, nLon] = offsetLatLon(LAT, LON, 180, 2000);
  drive(p, nLat, nLon, 17, 7, 900);
  p.observeLeg(3500, 3000);
  const snap = p.snapshot();
  assert.equal(snap.rows.length, 3);
  assert.deepEqual(new Set(snap.rows.map((r) => r.cell)), new Set([p.cellAt(LAT, LON), p.cellAt(nLat, nLon)]));
  near(snap.rows.find((r) => r.hourOfWeek === 8)!.n, 1200, 1e-6, 'n is seconds observed');

  const copy = new SpeedProfile(PRIOR);
  assert.equal(copy.load(structuredClone(snap)), 3);
  const [fLat, fLon] = offsetLatLon(LAT, LON, 0, 60_000);
  for (const [lat, lon] of [[LAT, LON], [nLat, nLon], [fLat, fLon]] as const) {
    for (const hour of [8, 17, 100]) near(copy.speedAt(lat, lon, hour), p.speedAt(lat, lon, hour), 1e-9, `${lat},${lon} at ${hour}`);
  }
  near(copy.detourFactor(), p.detourFactor(), 1e-12, 'detour');
});

test('loading skips rows that are not cells of the profile, hours outside the week and empty weights', () => {
  const p = new SpeedProfile(PRIOR);
  const cell = p.cellAt(LAT, LON);
  const bad: ProfileSnapshot = {
    rows: [
      { cell: 'not-a-cell', hourOfWeek: 3, n: 100, meanSpeedMs: 5 },
      { cell: p.parentOfCell(cell), hourOfWeek: 3, n: 100, meanSpeedMs: 5 },
      { cell, hourOfWeek: 168, n: 100, meanSpeedMs: 5 },
      { cell, hourOfWeek: 3, n: 0, meanSpeedMs: 5 },
      { cell, hourOfWeek: 3, n: 100, meanSpeedMs: Number.NaN },
      { cell, hourOfWeek: 3, n: 100, meanSpeedMs: 5 },
    ],
    detour: { pathM: 10, chordM: 20 },
  };
  assert.equal(p.load(bad), 1);
  assert.equal(p.detourFactor(), 1.3, 'a detour below 1 is not loaded');
});

test('the detour factor moves from its prior to the observed road ÷ straight-line ratio, ignoring short and looping legs', () => {
  const p = new SpeedProfile({ ...PRIOR, detourPriorChordM: 5000 });
  assert.equal(p.detourFactor(), 1.3);
  p.observeLeg(500, 100); // a loop round a car park: too short to count
  assert.equal(p.detourFactor(), 1.3);
  for (let i = 0; i < 30; i++) p.observeLeg(3300, 3000);
  near(p.detourFactor(), 1.1, 0.015, 'after 90 km of 1.1 legs');
  const before = p.detourFactor();
  p.observeLeg(30_000, 1000); // a circuit back to near its start: counted as at most 3×
  assert.ok(p.detourFactor() - before < 0.03, `one loop moved the factor by ${p.detourFactor() - before}`);
});

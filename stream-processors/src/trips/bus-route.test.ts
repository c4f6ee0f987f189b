import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { haversineM, type TripEvent } from '@fieldtrace/protocol';
import { sharedFixture } from '@fieldtrace/testkit';
import { advanceTo, createTripState, stepTripFix } from './trip-core.js';
import { DEFAULT_TRIP_OPTIONS } from './trip-options.js';

// Arriva route 14 outbound, Liverpool: 16 runs by 8 buses, a fix every ~24 s (columns in the fixtures README).
const CSV = sharedFixture('fixtures/trajectories/liverpool-route14-outbound.csv');
const skip = existsSync(CSV) ? false : `fixture absent: ${CSV} (see shared/fixtures/trajectories/README.md)`;

interface Row {
  run: string;
  ts: number;
  lat: number;
  lon: number;
}

function readRuns(): Map<string, Row[]> {
  const lines = readFileSync(CSV, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
  const [vehicle, trip, timestamp, latitude, longitude] = ['vehicle_id', 'trip_id', 'timestamp', 'latitude', 'longitude'].map((name) => {
    const i = header.indexOf(name);
    assert.ok(i >= 0, `column ${name}`);
    return i;
  }) as [number, number, number, number, number];
  const runs = new Map<string, Row[]>();
  for (const line of lines.slice(1)) {
    const f = line.split(',').map((v) => v.replace(/"/g, ''));
    const run = `${f[vehicle]}-${f[trip]}`;
    if (!runs.has(run)) runs.set(run, []);
    runs.get(run)!.push({ run, ts: Date.parse(`${f[timestamp]!.replace(' ', 'T')}Z`), lat: Number(f[latitude]), lon: Number(f[longitude]) });
  }
  for (const rows of runs.values()) rows.sort((a, b) => a.ts - b.ts);
  return runs;
}

/** Times the bus stood still between two consecutive fixes (< 15 m apart) without standing a whole stopMinS there. */
function briefHalts(rows: readonly Row[]): number {
  let halts = 0;
  let since = -1;
  for (let i = 1; i <= rows.length; i++) {
    const still = i < rows.length && haversineM(rows[i - 1]!.lat, rows[i - 1]!.lon, rows[i]!.lat, rows[i]!.lon) < 15;
    if (still && since < 0) since = rows[i - 1]!.ts;
    if (!still && since >= 0) {
      if (rows[i - 1]!.ts - since < DEFAULT_TRIP_OPTIONS.stopMinS * 1000) halts++;
      since = -1;
    }
  }
  return halts;
}

test('real bus traces (Liverpool route 14): calls at bus stops neither split the run into trips nor count as stops', { skip }, (t) => {
  const runs = readRuns();
  assert.equal(runs.size, 16);
  const state = createTripState();
  let halts = 0;
  let trips = 0;
  let stops = 0;
  for (const [run, rows] of runs) {
    const out: TripEvent[] = [];
    for (const r of rows) stepTripFix(state, { tenantId: 'arriva', deviceId: run, ts: r.ts, lat: r.lat, lon: r.lon }, out);
    advanceTo(state, rows.at(-1)!.ts + DEFAULT_TRIP_OPTIONS.silenceS * 1000, out);
    halts += briefHalts(rows);
    const starts = out.filter((e) => e.kind === 'trip_start');
    const ends = out.filter((e) => e.kind === 'trip_end');
    const longStands = out.filter((e) => e.kind === 'stop_end' && e.durationS! >= DEFAULT_TRIP_OPTIONS.tripEndMinS);
    trips += starts.length;
    stops += out.filter((e) => e.kind === 'stop_start').length;
    // One trip per run, plus one for each stand of tripEndMinS or more in the middle of it (a layover).
    assert.equal(starts.length, 1 + longStands.length, `${run}: ${out.map((e) => e.kind).join(' ')}`);
    assert.equal(ends.length, starts.length, `${run}: every trip ends (the last by silence after the terminus)`);
    assert.ok(ends.at(-1)!.distanceM! > 400, `${run}: the trip covers the route`);
    for (const e of out.filter((e) => e.kind === 'stop_end')) assert.ok(e.durationS! >= DEFAULT_TRIP_OPTIONS.stopMinS - 40, `${run}: stop of ${e.durationS} s`);
  }
  t.diagnostic(`16 runs: ${halts} brief halts between fixes, ${trips} trips, ${stops} stops of >= ${DEFAULT_TRIP_OPTIONS.stopMinS} s`);
  // Measured: 17 trips (one run has a 335 s layover mid-route), 21 stops (terminus stands, timing points).
  assert.ok(halts >= 100, `the traces do halt often (${halts})`);
  assert.ok(trips <= 18, `${trips} trips for 16 runs`);
  assert.ok(stops <= 2 * runs.size, `${stops} stops for 16 runs`);
});

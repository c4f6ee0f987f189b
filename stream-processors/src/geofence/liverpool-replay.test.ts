import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { haversineM, type GeofenceEvent } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { createGeofenceState, stepGeofence, upsertFence, type FixInput } from './geofence-core.js';
import { LIVERPOOL_CSV, readLiverpool, type TrackPoint } from '../test-support/real-tracks.js';

const CSV = LIVERPOOL_CSV;
const FENCE_RADIUS_M = 200; // the fixes are up to ~350 m apart, so a fence on the route is always straddled by two
const FENCE_AT_M = [1500, 3500, 5500, 7500, 9300]; // along the reference trip, metres from its start

type Row = TrackPoint;

/** Points `FENCE_AT_M` metres along a trip's polyline. */
function pointsAlong(trip: readonly Row[], distances: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let travelled = 0;
  let next = 0;
  for (let i = 1; i < trip.length && next < distances.length; i++) {
    travelled += haversineM(trip[i - 1]!.lat, trip[i - 1]!.lon, trip[i]!.lat, trip[i]!.lon);
    if (travelled >= distances[next]!) {
      out.push([trip[i]!.lat, trip[i]!.lon]);
      next++;
    }
  }
  return out;
}

test(
  'real bus traces (Liverpool route 14): enter events occur in route order on every trip',
  { skip: existsSync(CSV) ? false : `fixture absent: ${CSV} (see shared/fixtures/trajectories/README.md)` },
  () => {
    const rows = readLiverpool(CSV);
    const trips = new Map<string, Row[]>();
    for (const r of rows) {
      const key = `${r.vehicle}/${r.trip}`;
      if (!trips.has(key)) trips.set(key, []);
      trips.get(key)!.push(r);
    }
    const reference = trips.get('4836/1105');
    assert.ok(reference, 'reference trip 4836/1105 present');
    const centres = pointsAlong(reference, FENCE_AT_M);
    assert.equal(centres.length, FENCE_AT_M.length);

    const state = createGeofenceState({ maxMarginM: 25 }, new FleetDirectory());
    centres.forEach(([lat, lon], i) =>
      upsertFence(state, 'arriva', { id: `stop${i}`, siteId: null, shape: { type: 'circle', center: [lon, lat], radiusM: FENCE_RADIUS_M } }),
    );

    // One device per bus, fixes interleaved across buses in event time as they would arrive live.
    const events: GeofenceEvent[] = [];
    for (const r of rows) {
      const fix: FixInput = { tenantId: 'arriva', deviceId: `bus${r.vehicle}`, ts: r.ts, lat: r.lat, lon: r.lon };
      stepGeofence(state, fix, events);
    }
    // An enter is timed at the crossing, between two fixes: it belongs to the trip of the fix after it.
    const tripOfEvent = (e: GeofenceEvent) => {
      const r = rows.find((row) => `bus${row.vehicle}` === e.deviceId && row.ts >= e.ts)!;
      return `${r.vehicle}/${r.trip}`;
    };

    const entersByTrip = new Map<string, number[]>();
    for (const e of events) {
      if (e.transition !== 'enter') continue;
      const trip = tripOfEvent(e);
      if (!entersByTrip.has(trip)) entersByTrip.set(trip, []);
      entersByTrip.get(trip)!.push(Number(e.geofenceId.slice(4)));
    }
    for (const [trip, order] of entersByTrip) {
      for (let i = 1; i < order.length; i++) assert.ok(order[i]! > order[i - 1]!, `trip ${trip} entered stops ${order.join(' → ')}`);
    }
    assert.deepEqual(entersByTrip.get('4836/1105'), [0, 1, 2, 3, 4]);
    const total = [...entersByTrip.values()].reduce((n, o) => n + o.length, 0);
    assert.ok(total >= 40, `enters over ${trips.size} trips: ${total}`);
    assert.equal(state.counters.lateIgnored, 0);
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon, type GeofenceEvent, type TimesheetEntry, type TripEvent } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { createGeofenceState, fenceOf, replaceFences, stepGeofence, upsertFence, type FixInput } from '../geofence/geofence-core.js';
import { createJobAutomationState, stepJobGeofence, stepJobTrip, type JobAction } from './job-automation.js';
import { jobFenceDefs } from './job-fences.js';
import { fixAt, LIVERPOOL, straightTrack, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const MIN = 60_000;

function fleet(windowStart: number, windowEnd: number) {
  const directory = new FleetDirectory();
  const t = directory.ensure('t1');
  t.replaceDevices([{ id: 'd1', vehicleId: 'v1' }]);
  t.replaceVehicles([{ id: 'v1', crewId: 'crew-a', speedLimitKmh: null }]);
  t.replaceSites([{ id: 's1', lat: LAT, lon: LON, geofenceId: 'site-s1', arrivalRadiusM: 60 }]);
  t.replaceJobs([
    { id: 'j1', siteId: 's1', vehicleId: 'v1', status: 'assigned', routeOrder: 1, windowStart, windowEnd },
    { id: 'j2', siteId: 's1', vehicleId: 'v1', status: 'assigned', routeOrder: 2, windowStart: null, windowEnd: null },
  ]);
  const geo = createGeofenceState({ maxMarginM: 25 }, directory);
  upsertFence(geo, 't1', { id: 'site-s1', siteId: 's1', kind: 'site', shape: { type: 'circle', center: [LON, LAT], radiusM: 60 } });
  replaceFences(geo, 't1', jobFenceDefs(t, (id) => fenceOf(geo, 't1', id), 30 * MIN).filter((d) => d.jobId === 'j1'), ['job']);
  return { directory, geo, jobs: createJobAutomationState(directory) };
}

function trip(kind: TripEvent['kind'], ts: number): TripEvent {
  return { v: 1, id: `trip:${kind}:${ts}`, tenantId: 't1', deviceId: 'd1', vehicleId: 'v1', kind, ts, lat: LAT, lon: LON };
}

test('a job goes en route, on site and departed from telemetry, with timesheet entries for the crew', () => {
  const { geo, jobs } = fleet(T0 + 20 * MIN, T0 + 80 * MIN);
  const actions: JobAction[] = [];
  const entries: TimesheetEntry[] = [];
  const events: GeofenceEvent[] = [];
  const drive = (fixes: FixInput[]) => {
    for (const f of fixes) {
      events.length = 0;
      stepGeofence(geo, { ...f, accuracy: 5 }, events);
      for (const e of events) stepJobGeofence(jobs, e, actions, entries);
    }
  };

  // Sets off from 3 km south at T0 + 10 min, 10 m/s with a fix every 10 s: at the site after 5 minutes.
  stepJobTrip(jobs, trip('trip_start', T0 + 10 * MIN), actions, entries);
  drive(straightTrack(offsetLatLon(LAT, LON, 180, 3000), 0, 10, 10, 30, T0 + 10 * MIN));
  // Parked on site for 40 minutes, idling with the engine on for 12 of them.
  const parked: FixInput[] = [];
  for (let s = 0; s <= 40 * 60; s += 30) parked.push(fixAt(LAT, LON, T0 + 15 * MIN + s * 1000));
  drive(parked.slice(0, 20));
  stepJobTrip(jobs, trip('idle_start', T0 + 20 * MIN), actions, entries);
  stepJobTrip(jobs, trip('idle_end', T0 + 32 * MIN), actions, entries);
  drive(parked.slice(20));
  // Drives off north.
  drive(straightTrack(offsetLatLon(LAT, LON, 0, 10), 0, 10, 10, 60, T0 + 55 * MIN + 10_000));

  assert.deepEqual(actions.map((a) => [a.kind, a.jobId]), [['en_route', 'j1'], ['on_site', 'j1'], ['departed', 'j1'], ['en_route', 'j2']]);
  const onSite = actions[1]!;
  // Entered the 60 m fence on the way in: 2,940 m from the start at 10 m/s.
  assert.equal(onSite.ts, T0 + 10 * MIN + 294_000);
  assert.deepEqual(
    entries.map((e) => [e.kind, e.jobId, e.crewId, e.seconds]),
    [
      ['en_route', 'j1', 'crew-a', 294],
      ['idle', 'j1', 'crew-a', 12 * 60],
      ['on_site', 'j1', 'crew-a', Math.round((actions[2]!.ts - onSite.ts) / 1000)],
    ],
  );
  assert.ok(actions[2]!.ts > T0 + 55 * MIN && actions[2]!.ts < T0 + 56 * MIN, 'departed when it drove off, not when confirmed');
});

test('outside the appointment window (and its margin) the crew parked at the site does not start the job', () => {
  const { geo, jobs } = fleet(T0 + 300 * MIN, T0 + 360 * MIN);
  const actions: JobAction[] = [];
  const entries: TimesheetEntry[] = [];
  const events: GeofenceEvent[] = [];
  for (let s = 0; s <= 30 * 60; s += 30) stepGeofence(geo, fixAt(LAT, LON, T0 + s * 1000, { accuracy: 5 }), events);
  for (const e of events) stepJobGeofence(jobs, e, actions, entries);
  assert.deepEqual(events.map((e) => `${e.fenceKind}:${e.transition}`), ['site:enter', 'site:arrive'], 'the site fence still sees it');
  assert.deepEqual(actions, []);
});

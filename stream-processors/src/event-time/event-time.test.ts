import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { haversineM, type GeofenceEvent } from '@fieldtrace/protocol';
import { seededRandom } from '@fieldtrace/testkit';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { createGeofenceState, upsertFence, type FixInput } from '../geofence/geofence-core.js';
import { createGeofenceTimeline } from '../geofence/geofence-timeline.js';
import type { EventTimeOptions } from './event-time.js';
import { LIMERICK_GPX, LIVERPOOL_CSV, readLimerick, readLiverpool, type TrackPoint } from '../test-support/real-tracks.js';

const skip = existsSync(LIVERPOOL_CSV) && existsSync(LIMERICK_GPX) ? false : 'fixtures absent (see shared/fixtures/trajectories/README.md)';
const NO_WAIT: EventTimeOptions = { reorderWindowMs: 0, historyFixes: 4096, snapshotEvery: 64, maxPendingLate: 2000 };

/** Both real traces as one fleet: 8 Liverpool buses and the Limerick bus, with accuracy as a phone reports it. */
function fleet(): FixInput[] {
  const points: TrackPoint[] = [...readLiverpool(), ...readLimerick()];
  return points.map((p) => ({ tenantId: 't1', deviceId: `bus${p.vehicle}`, ts: p.ts, lat: p.lat, lon: p.lon, accuracy: 8 }));
}

/** Circular stop fences every ~700 m along each route, with a short dwell so buses at stops arrive and depart. */
function stopFences(fixes: readonly FixInput[]): Array<[number, number]> {
  const centres: Array<[number, number]> = [];
  for (const f of fixes) {
    if (centres.every(([lat, lon]) => haversineM(lat, lon, f.lat, f.lon) > 700)) centres.push([f.lat, f.lon]);
  }
  return centres;
}

function newTimeline(centres: ReadonlyArray<[number, number]>, opts: EventTimeOptions) {
  const state = createGeofenceState({ maxMarginM: 25 }, new FleetDirectory());
  centres.forEach(([lat, lon], i) =>
    upsertFence(state, 't1', { id: `stop${i}`, siteId: null, dwellInS: 20, dwellOutS: 60, shape: { type: 'circle', center: [lon, lat], radiusM: 60 } }),
  );
  return createGeofenceTimeline(state, opts);
}

/** The event history the announcements describe: every announced event, less those later retracted. */
function applied(events: readonly GeofenceEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.retracts !== undefined) assert.ok(ids.delete(e.retracts), `retracts an announced event: ${e.retracts}`);
    else ids.add(e.id);
  }
  return [...ids].sort();
}

/** Feeds fixes in the given arrival order, ticking every `tickEvery` fixes as the adapter's timer would. */
function feed(timeline: ReturnType<typeof newTimeline>, arrivals: readonly FixInput[], tickEvery = 50): GeofenceEvent[] {
  const out: GeofenceEvent[] = [];
  let now = 0;
  arrivals.forEach((f, i) => {
    timeline.offer(f, (now += 10), out);
    if (i % tickEvery === 0) timeline.tick(now, out);
  });
  timeline.drain(out);
  return out;
}

test('real bus traces replayed out of order and in late batches give exactly the events of the in-order run', { skip }, () => {
  const fixes = fleet();
  const centres = stopFences(fixes);
  const reference = newTimeline(centres, NO_WAIT);
  const inOrder = feed(reference, fixes);
  const expected = applied(inOrder);
  const kinds = new Set(inOrder.map((e) => e.transition));
  assert.deepEqual([...kinds].sort(), ['arrive', 'depart', 'enter', 'exit'], 'the traces exercise every event kind');
  assert.ok(expected.length > 200, `${expected.length} events in order`);
  assert.equal(reference.counters.corrections + reference.counters.retractions, 0);

  // 1. Shuffled: each fix arrives up to ~20 positions away from its place (QoS 1 redelivery, parallel uplinks).
  const random = seededRandom(42);
  const shuffled = fixes.map((f, i) => ({ f, key: i + random() * 20 })).sort((a, b) => a.key - b.key).map((x) => x.f);
  const a = newTimeline(centres, NO_WAIT);
  const shuffledOut = feed(a, shuffled);
  assert.deepEqual(applied(shuffledOut), expected);
  assert.ok(a.counters.late > 100 && a.counters.retractions > 0, `late ${a.counters.late}, retractions ${a.counters.retractions}`);

  // 2. Store-and-forward: every bus loses its link for a stretch; the backlog arrives after the live fixes (live-first drain).
  const outage = (f: FixInput) => {
    const i = fixes.indexOf(f);
    return i % 400 >= 150 && i % 400 < 300;
  };
  const backlog = [...fixes.filter((f) => !outage(f)), ...fixes.filter(outage)];
  const b = newTimeline(centres, NO_WAIT);
  const backlogOut = feed(b, backlog);
  assert.deepEqual(applied(backlogOut), expected);
  // The backlog arrives over several ticks, so a replay may announce what a later one withdraws; what stands is late.
  const standing = new Set(applied(backlogOut));
  const late = backlogOut.filter((e) => e.late && e.retracts === undefined && standing.has(e.id));
  assert.ok(late.length > 10, `${late.length} events of the outages announced late`);

  // 3. With a reorder window wider than the disorder, nothing needs correcting and the answer is the same.
  const c = newTimeline(centres, { ...NO_WAIT, reorderWindowMs: 30 * 60_000 });
  assert.deepEqual(applied(feed(c, shuffled)), expected);
  assert.equal(c.counters.corrections + c.counters.retractions, 0);
});

test('a late fix older than the history kept is counted, not silently replayed into the wrong state', { skip }, () => {
  const fixes = readLimerick().map((p) => ({ tenantId: 't1', deviceId: 'bus', ts: p.ts, lat: p.lat, lon: p.lon, accuracy: 8 }));
  const timeline = newTimeline(stopFences(fixes), { reorderWindowMs: 0, historyFixes: 256, snapshotEvery: 64, maxPendingLate: 100 });
  const out: GeofenceEvent[] = [];
  for (const f of fixes.slice(1000)) timeline.offer(f, 0, out);
  const announced = out.length;
  timeline.offer(fixes[10]!, 0, out);
  timeline.tick(0, out);
  assert.equal(timeline.counters.beyondHorizon, 1);
  assert.equal(out.length, announced);
});

test('duplicates (the same event time twice) are processed once', () => {
  const timeline = newTimeline([[53.4, -2.99]], NO_WAIT);
  const out: GeofenceEvent[] = [];
  const f: FixInput = { tenantId: 't1', deviceId: 'd', ts: 1_769_443_200_000, lat: 53.4, lon: -2.99 };
  timeline.offer(f, 0, out);
  timeline.offer({ ...f }, 0, out);
  timeline.tick(0, out);
  assert.deepEqual(out.map((e) => e.transition), ['enter']);
  assert.equal(timeline.counters.duplicates, 1);
});

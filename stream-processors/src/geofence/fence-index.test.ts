import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon, type GeofenceEvent, type LonLat } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { CompiledFence, type FenceDef } from './compiled-fence.js';
import { FenceIndex } from './fence-index.js';
import { createGeofenceState, stepGeofence, upsertFence } from './geofence-core.js';
import { fixAt, LIVERPOOL, seededRandom, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;

/** A star-shaped ring (never self-intersecting) of `n` vertices between 0.6 and 1 × `radiusM` from a centre. */
function star(random: () => number, lat: number, lon: number, radiusM: number, n: number): LonLat[] {
  const ring: LonLat[] = [];
  for (let i = 0; i < n; i++) {
    const [la, lo] = offsetLatLon(lat, lon, (360 * i) / n, radiusM * (0.6 + 0.4 * random()));
    ring.push([lo, la]);
  }
  ring.push(ring[0]!);
  return ring;
}

/** 10,000 fences over ~45 × 40 km around Liverpool: circles, stars, stars with holes, and a few huge ones. */
function randomFences(random: () => number): { defs: FenceDef[]; centres: Array<[number, number, number]> } {
  const defs: FenceDef[] = [];
  const centres: Array<[number, number, number]> = [];
  for (let i = 0; i < 10_000; i++) {
    const lat = LAT + (random() - 0.5) * 0.4;
    const lon = LON + (random() - 0.5) * 0.6;
    const radiusM = 20 + random() ** 3 * 1500;
    centres.push([lat, lon, radiusM]);
    const id = `f${i}`;
    if (i % 2 === 0) {
      defs.push({ id, siteId: null, shape: { type: 'circle', center: [lon, lat], radiusM } });
    } else {
      const rings = [star(random, lat, lon, radiusM, 5 + Math.floor(random() * 8))];
      if (i % 3 === 0) rings.push(star(random, lat, lon, radiusM * 0.3, 6));
      defs.push({ id, siteId: null, shape: { type: 'polygon', coordinates: rings } });
    }
  }
  // Bigger than the grid takes (see maxCellsPerFence): exercise the always-checked list too.
  for (let i = 0; i < 3; i++) {
    defs.push({ id: `huge${i}`, siteId: null, shape: { type: 'polygon', coordinates: [star(random, LAT, LON, 15_000 + i * 3000, 9)] } });
  }
  return { defs, centres };
}

/** Half anywhere in the area, half near a fence so that most of those hit something. */
function randomPoints(random: () => number, centres: ReadonlyArray<[number, number, number]>, n: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      points.push([LAT + (random() - 0.5) * 0.44, LON + (random() - 0.5) * 0.66]);
    } else {
      const [lat, lon, r] = centres[Math.floor(random() * centres.length)]!;
      points.push(offsetLatLon(lat, lon, random() * 360, random() * r * 1.3));
    }
  }
  return points;
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

test('with 10,000 fences the grid gives the same containing set as a scan of every fence, for 1,000 points', () => {
  const random = seededRandom(42);
  const { defs, centres } = randomFences(random);
  const index = new FenceIndex();
  for (const d of defs) index.upsert(d);
  assert.ok(index.large.length >= 1, 'the huge fences are kept out of the grid');
  const all = defs.map((d) => new CompiledFence(d));

  let hits = 0;
  for (const [lat, lon] of randomPoints(random, centres, 1000)) {
    const expected = sorted(all.filter((f) => f.contains(lat, lon)).map((f) => f.id));
    assert.deepEqual(sorted(index.containing(lat, lon)), expected, `at ${lat},${lon}`);
    hits += expected.length;
  }
  assert.ok(hits > 1000, `points should hit fences (hit ${hits})`);
});

test('with 10,000 fences the core’s enters and exits with a margin match a brute-force scan', () => {
  const random = seededRandom(1234);
  const { defs, centres } = randomFences(random);
  const state = createGeofenceState({ maxMarginM: 25 }, new FleetDirectory());
  for (const d of defs) upsertFence(state, 't1', d);
  const all = defs.map((d) => new CompiledFence(d));

  const points = randomPoints(random, centres, 1000);
  let exits = 0;
  for (let i = 0; i < points.length; i++) {
    const [aLat, aLon] = points[i]!;
    // Then a second fix up to 300 m away, reported with 20 m accuracy: the margin is 20 m both ways.
    const [bLat, bLon] = offsetLatLon(aLat, aLon, random() * 360, random() * 300);
    const deviceId = `p${i}`;
    const first: GeofenceEvent[] = [];
    stepGeofence(state, fixAt(aLat, aLon, T0, { deviceId }), first);
    const insideA = all.filter((f) => f.contains(aLat, aLon));
    assert.deepEqual(sorted(first.map((e) => e.geofenceId)), sorted(insideA.map((f) => f.id)));

    const stepped: GeofenceEvent[] = [];
    stepGeofence(state, fixAt(bLat, bLon, T0 + 10_000, { deviceId, accuracy: 20 }), stepped);
    // Fences crossed between the two fixes without containing either are the crossing tests' subject, not this one's.
    const second = stepped.filter((e) => !e.passThrough);
    const inA = new Set(insideA.map((f) => f.id));
    const expectedExits = insideA.filter((f) => f.excludesGrown(bLat, bLon, 20)).map((f) => f.id);
    const expectedEnters = all.filter((f) => !inA.has(f.id) && f.containsShrunk(bLat, bLon, 20)).map((f) => f.id);
    assert.deepEqual(sorted(second.filter((e) => e.transition === 'exit').map((e) => e.geofenceId)), sorted(expectedExits));
    assert.deepEqual(sorted(second.filter((e) => e.transition === 'enter').map((e) => e.geofenceId)), sorted(expectedEnters));
    exits += expectedExits.length;
  }
  assert.ok(exits > 50, `the second fixes should leave fences (left ${exits})`);
});

test('a reshaped fence is found at its new place only, and a removed one nowhere', () => {
  const index = new FenceIndex();
  index.upsert({ id: 'a', siteId: null, shape: { type: 'circle', center: [LON, LAT], radiusM: 80 } });
  const [farLat, farLon] = offsetLatLon(LAT, LON, 45, 5000);
  index.upsert({ id: 'a', siteId: null, shape: { type: 'circle', center: [farLon, farLat], radiusM: 80 } });
  assert.deepEqual(index.containing(LAT, LON), []);
  assert.deepEqual(index.containing(farLat, farLon), ['a']);
  assert.equal(index.size, 1);
  index.remove('a');
  assert.deepEqual(index.containing(farLat, farLon), []);
  assert.equal(index.cellFences(farLat, farLon).length, 0);
});

test('a device inside a fence stays inside anywhere within the margin beyond its edge, wherever the grid cells fall', () => {
  const random = seededRandom(99);
  const { defs } = randomFences(random);
  const state = createGeofenceState({ maxMarginM: 25 }, new FleetDirectory());
  for (const d of defs) upsertFence(state, 't1', d);
  const circles = defs.filter((d) => d.shape.type === 'circle').slice(0, 1500);
  let ts = T0;
  for (const { id, shape } of circles) {
    if (shape.type !== 'circle') continue;
    const [lon, lat] = shape.center;
    const deviceId = `edge-${id}`;
    const bearing = random() * 360;
    const step = (distanceM: number) => {
      const [pLat, pLon] = offsetLatLon(lat, lon, bearing, distanceM);
      const out: GeofenceEvent[] = [];
      stepGeofence(state, fixAt(pLat, pLon, (ts += 1000), { deviceId, accuracy: 20 }), out);
      return out.filter((e) => e.geofenceId === id).map((e) => e.transition);
    };
    assert.deepEqual(step(0), ['enter']);
    // Up to 19 m past the edge with a 20 m margin: still inside (the cell there must list the fence).
    assert.deepEqual(step(shape.radiusM + random() * 19), [], `${id} left too early`);
    assert.deepEqual(step(shape.radiusM + 21 + random() * 30), ['exit'], `${id} never left`);
  }
});

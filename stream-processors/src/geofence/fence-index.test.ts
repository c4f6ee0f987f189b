import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { haversineM, offsetLatLon, pointInPolygon, type GeofenceEvent, type GeofenceShape, type LonLat } from '@fieldtrace/protocol';
import { sharedFixture } from '@fieldtrace/testkit';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import { cellCentre, EntryKind, recordKind } from '../geometry/cell-view.js';
import { nearestEdgeM } from '../geometry/edge-distance.js';
import { polylineDistanceM } from '../geometry/polyline-distance.js';
import type { CompiledFence, FenceDef } from './compiled-fence.js';
import { FenceIndex } from './fence-index.js';
import { createGeofenceState, stepGeofence, upsertFence } from './geofence-core.js';
import { fixAt, LIVERPOOL, seededRandom, T0 } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const MAX_MARGIN_M = 25;

/**
 * The brute-force answer for one fence, straight from the definitions (haversine for circles, the protocol's
 * pointInPolygon and whole-outline distances over nested arrays): no grid, no typed arrays, no per-cell shortcuts.
 */
class Reference {
  readonly id: string;
  private readonly shape: GeofenceShape;
  private readonly members: ReadonlyArray<ReadonlyArray<ReadonlyArray<LonLat>>>;
  /** A generous box (degrees) outside which the fence is more than 100 m away: only to keep the scan quick. */
  private readonly box: [number, number, number, number];

  constructor(def: FenceDef) {
    this.id = def.id;
    this.shape = def.shape;
    const s = def.shape;
    this.members = s.type === 'polygon' ? [s.coordinates] : s.type === 'multipolygon' ? s.coordinates : [];
    const pts = s.type === 'circle' ? [s.center] : s.type === 'corridor' ? s.path : this.members.flatMap((m) => m[0] ?? []);
    const reachM = (s.type === 'circle' ? s.radiusM : s.type === 'corridor' ? s.widthM / 2 : 0) + 100;
    const lats = pts.map((p) => p[1]);
    const lons = pts.map((p) => p[0]);
    const dLat = reachM / 111_000;
    const dLon = reachM / (111_000 * Math.cos((Math.max(...lats.map(Math.abs)) * Math.PI) / 180));
    this.box = [Math.min(...lats) - dLat, Math.max(...lats) + dLat, Math.min(...lons) - dLon, Math.max(...lons) + dLon];
  }

  /** Within a centimetre of a polygon's outline, where ray casting's answer is arbitrary. */
  onOutline(lat: number, lon: number): boolean {
    return this.members.length > 0 && !this.far(lat, lon) && nearestEdgeM(lat, lon, this.members.flat(), 0) < 0.01;
  }

  far(lat: number, lon: number): boolean {
    return lat < this.box[0] || lat > this.box[1] || lon < this.box[2] || lon > this.box[3];
  }

  contains(lat: number, lon: number): boolean {
    return this.containsShrunk(lat, lon, 0);
  }

  containsShrunk(lat: number, lon: number, m: number): boolean {
    if (this.far(lat, lon)) return false;
    const s = this.shape;
    if (s.type === 'circle') return haversineM(lat, lon, s.center[1], s.center[0]) <= s.radiusM - Math.min(m, s.radiusM / 2);
    if (s.type === 'corridor') return polylineDistanceM(lat, lon, s.path, 0) <= s.widthM / 2 - Math.min(m, s.widthM / 4);
    if (!this.members.some((member) => pointInPolygon(lon, lat, member))) return false;
    return m <= 0 || nearestEdgeM(lat, lon, this.members.flat(), 0) >= m;
  }

  excludesGrown(lat: number, lon: number, m: number): boolean {
    if (this.far(lat, lon)) return true;
    const s = this.shape;
    if (s.type === 'circle') return haversineM(lat, lon, s.center[1], s.center[0]) > s.radiusM + m;
    if (s.type === 'corridor') return polylineDistanceM(lat, lon, s.path, 0) > s.widthM / 2 + m;
    if (this.members.some((member) => pointInPolygon(lon, lat, member))) return false;
    return m <= 0 || nearestEdgeM(lat, lon, this.members.flat(), 0) > m;
  }
}

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

/** A haul road: a random walk of 2-8 vertices, 40-300 m legs. */
function walk(random: () => number, lat: number, lon: number): LonLat[] {
  const path: LonLat[] = [[lon, lat]];
  let heading = random() * 360;
  for (let i = 1 + Math.floor(random() * 7); i > 0; i--) {
    heading += (random() - 0.5) * 120;
    [lat, lon] = offsetLatLon(lat, lon, heading, 40 + random() * 260);
    path.push([lon, lat]);
  }
  return path;
}

/** Every shape the protocol has, mixed: circles, polygons (a third with a hole), multipolygons, corridors. */
function mixedFence(random: () => number, id: string, lat: number, lon: number, radiusM: number): FenceDef {
  const pick = random();
  let shape: GeofenceShape;
  if (pick < 0.3) {
    shape = { type: 'circle', center: [lon, lat], radiusM };
  } else if (pick < 0.6) {
    const rings = [star(random, lat, lon, radiusM, 5 + Math.floor(random() * 16))];
    if (random() < 0.4) rings.push(star(random, lat, lon, radiusM * 0.3, 6));
    shape = { type: 'polygon', coordinates: rings };
  } else if (pick < 0.8) {
    // Two members that may overlap; the second one has a hole.
    const [lat2, lon2] = offsetLatLon(lat, lon, random() * 360, radiusM * (0.5 + random()));
    shape = {
      type: 'multipolygon',
      coordinates: [[star(random, lat, lon, radiusM, 8)], [star(random, lat2, lon2, radiusM * 0.7, 10), star(random, lat2, lon2, radiusM * 0.2, 5)]],
    };
  } else {
    shape = { type: 'corridor', path: walk(random, lat, lon), widthM: 10 + random() * 90 };
  }
  return { id, siteId: null, shape };
}

/** `count` fences over ~45 × 40 km around Liverpool, plus three bigger than the grid takes. */
function randomFences(random: () => number, count: number, spreadDeg = 0.4): { defs: FenceDef[]; centres: Array<[number, number, number]> } {
  const defs: FenceDef[] = [];
  const centres: Array<[number, number, number]> = [];
  for (let i = 0; i < count; i++) {
    const lat = LAT + (random() - 0.5) * spreadDeg;
    const lon = LON + (random() - 0.5) * spreadDeg * 1.5;
    const radiusM = 20 + random() ** 3 * 1500;
    centres.push([lat, lon, radiusM]);
    defs.push(mixedFence(random, `f${i}`, lat, lon, radiusM));
  }
  // Bigger than the grid takes (see maxCellsPerFence): exercise the always-checked list too.
  for (let i = 0; i < 3; i++) {
    defs.push({ id: `huge${i}`, siteId: null, shape: { type: 'polygon', coordinates: [star(random, LAT, LON, 15_000 + i * 3000, 9)] } });
  }
  return { defs, centres };
}

/** Half anywhere in the area, half near a fence (mostly around its edge), so that most of those hit something. */
function randomPoints(random: () => number, centres: ReadonlyArray<[number, number, number]>, n: number, spreadDeg = 0.4): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      points.push([LAT + (random() - 0.5) * spreadDeg * 1.1, LON + (random() - 0.5) * spreadDeg * 1.65]);
    } else {
      const [lat, lon, r] = centres[Math.floor(random() * centres.length)]!;
      points.push(offsetLatLon(lat, lon, random() * 360, random() * r * 1.3));
    }
  }
  return points;
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

test('with 10,000 fences of every shape the grid gives the same containing set as a scan of every fence, for 1,000 points', () => {
  const random = seededRandom(42);
  const { defs, centres } = randomFences(random, 10_000);
  const index = new FenceIndex();
  for (const d of defs) index.upsert(d);
  assert.ok(index.large.length >= 1, 'the huge fences are kept out of the grid');
  const refs = defs.map((d) => new Reference(d));

  let hits = 0;
  for (const [lat, lon] of randomPoints(random, centres, 1000)) {
    const expected = sorted(refs.filter((f) => f.contains(lat, lon)).map((f) => f.id));
    assert.deepEqual(sorted(index.containing(lat, lon)), expected, `at ${lat},${lon}`);
    hits += expected.length;
  }
  assert.ok(hits > 1000, `points should hit fences (hit ${hits})`);
});

/**
 * Drives the index as stepGeofence does (keyOf, collectCell, then the fences' tests) and checks, for every fence:
 * a candidate answers contains / containsShrunk / excludesGrown as the brute force does at each margin (beyond the
 * compiled one too); a fence left out is beyond the largest margin. Returns how often each kind of entry answered.
 */
function checkAgainstBruteForce(index: FenceIndex, refs: readonly Reference[], points: ReadonlyArray<[number, number]>): Map<number, number> {
  const margins = [0, 3, 12.5, MAX_MARGIN_M, 40];
  const kinds = new Map<number, number>();
  const candidates: CompiledFence[] = [];
  let stamp = 1_000_000;
  for (const [lat, lon] of points) {
    candidates.length = 0;
    index.collectCell(index.keyOf(lat, lon), ++stamp, candidates);
    const listed = new Set(candidates.map((f) => f.id));
    for (const ref of refs) {
      const at = `${ref.id} at ${lat},${lon}`;
      if (!listed.has(ref.id)) {
        assert.ok(ref.excludesGrown(lat, lon, MAX_MARGIN_M), `${at}: within the margin but not a candidate`);
        continue;
      }
      const fence = index.get(ref.id)!;
      if (!fence.large) {
        assert.ok(fence.viewData !== null, `${at}: collectCell points every candidate in the grid at its record`);
        const kind = recordKind(fence.viewData, fence.viewEntry);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      assert.equal(fence.contains(lat, lon), ref.contains(lat, lon), `${at}: contains`);
      for (const m of margins) {
        assert.equal(fence.containsShrunk(lat, lon, m), ref.containsShrunk(lat, lon, m), `${at}: containsShrunk ${m}`);
        assert.equal(fence.excludesGrown(lat, lon, m), ref.excludesGrown(lat, lon, m), `${at}: excludesGrown ${m}`);
      }
    }
  }
  return kinds;
}

test('inside shrunk and outside grown, at margins up to and beyond the largest, match a brute force in small cells', () => {
  // 1,500 fences of every shape over ~3 × 4 km, cells of 40 m: most fences span many cells, so every kind of
  // compiled entry (deep inside, a few edges, corridor segments, whole-shape fallback) answers some fixes.
  const random = seededRandom(7);
  const { defs, centres } = randomFences(random, 1500, 0.03);
  for (const d of defs) if (d.shape.type === 'circle') d.shape.radiusM = Math.min(d.shape.radiusM, 300);
  const index = new FenceIndex({ cellSizeM: 40, maxMarginM: MAX_MARGIN_M, maxCellsPerFence: 4096 });
  for (const d of defs) index.upsert(d);
  const refs = defs.map((d) => new Reference(d));
  // Around the fences' edges, where the margins decide.
  const points = randomPoints(random, centres, 1000, 0.03).map(([lat, lon], i): [number, number] =>
    i % 2 === 0 ? [lat, lon] : offsetLatLon(lat, lon, random() * 360, random() * 60),
  );
  const kinds = checkAgainstBruteForce(index, refs, points);
  for (const kind of [EntryKind.Deep, EntryKind.Ring, EntryKind.Polygons, EntryKind.Path, EntryKind.Circle]) {
    assert.ok((kinds.get(kind) ?? 0) > 100, `only ${kinds.get(kind) ?? 0} answers from records of kind ${kind}`);
  }
});

/** Where segment 1 → 2 crosses a ring's edges (fractions along it), straight over the nested arrays. */
function bruteCrossings(lat1: number, lon1: number, lat2: number, lon2: number, rings: ReadonlyArray<ReadonlyArray<LonLat>>): number[] {
  const out: number[] = [];
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) {
      const [ax, ay] = ring[i - 1]!;
      const ex = ring[i]![0] - ax;
      const ey = ring[i]![1] - ay;
      const denom = (lon2 - lon1) * ey - (lat2 - lat1) * ex;
      if (denom === 0) continue;
      const t = ((ax - lon1) * ey - (ay - lat1) * ex) / denom;
      const u = ((ax - lon1) * (lat2 - lat1) - (ay - lat1) * (lon2 - lon1)) / denom;
      if (t > 0 && t <= 1 && u >= 0 && u < 1) out.push(t);
    }
  }
  return out.sort((a, b) => a - b);
}

test('where a short step crosses a polygon’s edges, from the cell’s kept edges, equals a scan of the whole outline', () => {
  const random = seededRandom(21);
  const { defs, centres } = randomFences(random, 2000, 0.05);
  const index = new FenceIndex({ cellSizeM: 100, maxMarginM: MAX_MARGIN_M, maxCellsPerFence: 4096 });
  for (const d of defs) index.upsert(d);
  const candidates: CompiledFence[] = [];
  const crossings: number[] = [];
  let crossed = 0;
  let stamp = 0;
  for (const [lat, lon] of randomPoints(random, centres, 2000, 0.05)) {
    // A 1 Hz step of a vehicle: 5-20 m.
    const [lat2, lon2] = offsetLatLon(lat, lon, random() * 360, 5 + random() * 15);
    candidates.length = 0;
    index.collectCell(index.keyOf(lat2, lon2), ++stamp, candidates);
    for (const fence of candidates) {
      const s = fence.shape;
      if (s.type !== 'polygon' && s.type !== 'multipolygon') continue;
      const rings = s.type === 'polygon' ? s.coordinates : s.coordinates.flat();
      const expected = bruteCrossings(lat, lon, lat2, lon2, rings);
      assert.deepEqual(fence.crossings(lat, lon, lat2, lon2, crossings), expected, `${fence.id} from ${lat},${lon}`);
      crossed += expected.length;
    }
  }
  assert.ok(crossed > 100, `steps crossing an edge: ${crossed}`);
});

test('a fence edge through the point a cell counts crossings from falls back to the whole shape, and answers right', () => {
  const index = new FenceIndex({ cellSizeM: 50, maxMarginM: MAX_MARGIN_M, maxCellsPerFence: 4096 });
  const probe = index.upsert({ id: 'probe', siteId: null, shape: { type: 'circle', center: [LON, LAT], radiusM: 200 } });
  index.collectCell(index.keyOf(LAT, LON), 1, []);
  const [cLat, cLon] = cellCentre(probe.viewData!, probe.viewCell);
  // A triangle whose first edge runs through the centre of that cell (to rounding).
  const d = 0.0003;
  const def: FenceDef = {
    id: 'through',
    siteId: null,
    shape: { type: 'polygon', coordinates: [[[cLon - d, cLat - d], [cLon + d, cLat + d], [cLon + d, cLat - 2 * d], [cLon - d, cLat - d]]] },
  };
  const fence = index.upsert(def);
  const random = seededRandom(11);
  const points = Array.from({ length: 400 }, (): [number, number] => [cLat + (random() - 0.5) * 0.0006, cLon + (random() - 0.5) * 0.0009]);
  const kinds = checkAgainstBruteForce(index, [new Reference(def)], points);
  index.collectCell(index.keyOf(cLat, cLon), 2, []);
  assert.equal(recordKind(fence.viewData!, fence.viewEntry), EntryKind.Whole);
  assert.ok((kinds.get(EntryKind.Whole) ?? 0) > 50, `answers from whole-shape records: ${kinds.get(EntryKind.Whole) ?? 0}`);
});

test('a real outline (Monaco, OpenStreetMap) answers like a brute force at every margin, in cells of 30 m', () => {
  // monaco.poly: Osmosis polygon format, "lon lat" per line between a section header and END.
  const text = readFileSync(sharedFixture('fixtures/osm/monaco.poly'), 'utf8');
  const ring = text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((xy): xy is [number, number] => xy.length === 2 && xy.every(Number.isFinite))
    .map(([lon, lat]): LonLat => [lon, lat]);
  assert.ok(ring.length > 20);
  const def: FenceDef = { id: 'monaco', siteId: null, shape: { type: 'polygon', coordinates: [ring] } };
  const index = new FenceIndex({ cellSizeM: 30, maxMarginM: MAX_MARGIN_M, maxCellsPerFence: 100_000 });
  index.upsert(def);
  const random = seededRandom(3);
  const points: Array<[number, number]> = [];
  for (let i = 0; i < 3000; i++) {
    if (i % 2 === 0) {
      points.push([43.72 + random() * 0.035, 7.405 + random() * 0.048]);
    } else {
      // Within 40 m of a vertex: where edges and margins matter.
      const [lon, lat] = ring[Math.floor(random() * ring.length)]!;
      points.push(offsetLatLon(lat, lon, random() * 360, random() * 40));
    }
  }
  const kinds = checkAgainstBruteForce(index, [new Reference(def)], points);
  assert.ok((kinds.get(EntryKind.Deep) ?? 0) > 100 && (kinds.get(EntryKind.Ring) ?? 0) > 100, `entries used: ${[...kinds]}`);
});

test('points level with vertices or on a cell’s edges of a fence drawn on a snapped grid get the ray-casting answer', () => {
  // Rectangles and an L whose vertices sit on a 0.001° lattice, queried on the same lattice and halfway between:
  // rays through vertices and points on cell boundaries are where parity shortcuts go wrong.
  const index = new FenceIndex({ cellSizeM: 50, maxMarginM: MAX_MARGIN_M, maxCellsPerFence: 4096 });
  const q = (i: number, j: number): LonLat => [LON + i * 0.001, LAT + j * 0.001];
  const defs: FenceDef[] = [
    { id: 'rect', siteId: null, shape: { type: 'polygon', coordinates: [[q(0, 0), q(4, 0), q(4, 3), q(0, 3), q(0, 0)]] } },
    { id: 'ell', siteId: null, shape: { type: 'polygon', coordinates: [[q(5, 0), q(9, 0), q(9, 1), q(6, 1), q(6, 4), q(5, 4), q(5, 0)]] } },
    { id: 'framed', siteId: null, shape: { type: 'polygon', coordinates: [[q(0, 5), q(4, 5), q(4, 9), q(0, 9), q(0, 5)], [q(1, 6), q(3, 6), q(3, 8), q(1, 8), q(1, 6)]] } },
  ];
  for (const d of defs) index.upsert(d);
  const refs = defs.map((d) => new Reference(d));
  const points: Array<[number, number]> = [];
  let inside = 0;
  for (let i = -1; i <= 10; i += 0.5) {
    for (let j = -1; j <= 10; j += 0.25) {
      const [lon, lat] = q(i, j);
      if (refs.some((r) => r.onOutline(lat, lon))) continue;
      const expected = sorted(refs.filter((r) => r.contains(lat, lon)).map((r) => r.id));
      assert.deepEqual(sorted(index.containing(lat, lon)), expected, `at lattice ${i},${j}`);
      inside += expected.length;
      points.push([lat, lon]);
    }
  }
  assert.ok(inside > 50, `lattice points inside: ${inside}`);
  checkAgainstBruteForce(index, refs, points);
});

test('a reshaped fence is found at its new place only, even by a fence that just answered from its old cell', () => {
  const index = new FenceIndex();
  const square = (lat: number, lon: number): GeofenceShape => ({
    type: 'polygon',
    coordinates: [[[lon - 0.002, lat - 0.001], [lon + 0.002, lat - 0.001], [lon + 0.002, lat + 0.001], [lon - 0.002, lat + 0.001], [lon - 0.002, lat - 0.001]]],
  });
  const fence = index.upsert({ id: 'a', siteId: null, shape: square(LAT, LON) });
  assert.deepEqual(index.containing(LAT, LON), ['a']);
  assert.equal(fence.contains(LAT, LON), true);
  const [farLat, farLon] = offsetLatLon(LAT, LON, 45, 5000);
  assert.equal(index.upsert({ id: 'a', siteId: null, shape: square(farLat, farLon) }), fence, 'reshaped in place');
  assert.equal(fence.contains(LAT, LON), false, 'the old cell’s compiled entry no longer answers');
  assert.deepEqual(index.containing(LAT, LON), []);
  assert.deepEqual(index.containing(farLat, farLon), ['a']);
  assert.equal(index.size, 1);
  index.remove('a');
  assert.deepEqual(index.containing(farLat, farLon), []);
  assert.equal(index.cellFences(farLat, farLon).length, 0);
});

test('fences on opposite sides of the globe whose cells used to share a key never answer for each other', () => {
  // 32,768 rows of 250 m apart: the old 15-bit row key wrapped here (~73.7° of latitude).
  const index = new FenceIndex();
  const rowsApart = (32_768 * 250) / 111_194.93;
  const south = LAT - rowsApart;
  index.upsert({ id: 'north', siteId: null, shape: { type: 'circle', center: [LON, LAT], radiusM: 100 } });
  index.upsert({ id: 'south', siteId: null, shape: { type: 'circle', center: [LON, south], radiusM: 100 } });
  assert.notEqual(index.keyOf(LAT, LON), index.keyOf(south, LON));
  assert.deepEqual(index.containing(LAT, LON), ['north']);
  assert.deepEqual(index.containing(south, LON), ['south']);
  assert.deepEqual(index.cellFences(south, LON).map((f) => f.id), ['south']);
});

test('with 10,000 fences the core’s enters and exits with a margin match a brute-force scan', () => {
  const random = seededRandom(1234);
  const { defs, centres } = randomFences(random, 10_000);
  const state = createGeofenceState({ maxMarginM: MAX_MARGIN_M }, new FleetDirectory());
  for (const d of defs) upsertFence(state, 't1', d);
  const refs = defs.map((d) => new Reference(d));

  const points = randomPoints(random, centres, 1000);
  let exits = 0;
  for (let i = 0; i < points.length; i++) {
    const [aLat, aLon] = points[i]!;
    // Then a second fix up to 300 m away, reported with 20 m accuracy: the margin is 20 m both ways.
    const [bLat, bLon] = offsetLatLon(aLat, aLon, random() * 360, random() * 300);
    const deviceId = `p${i}`;
    const first: GeofenceEvent[] = [];
    stepGeofence(state, fixAt(aLat, aLon, T0, { deviceId }), first);
    const insideA = refs.filter((f) => f.contains(aLat, aLon));
    assert.deepEqual(sorted(first.map((e) => e.geofenceId)), sorted(insideA.map((f) => f.id)));

    const second: GeofenceEvent[] = [];
    stepGeofence(state, fixAt(bLat, bLon, T0 + 10_000, { deviceId, accuracy: 20 }), second);
    const inA = new Set(insideA.map((f) => f.id));
    const expectedExits = insideA.filter((f) => f.excludesGrown(bLat, bLon, 20)).map((f) => f.id);
    const expectedEnters = refs.filter((f) => !inA.has(f.id) && f.containsShrunk(bLat, bLon, 20)).map((f) => f.id);
    // Fences passed through between the fixes also enter and exit (marked passThrough); compare the others.
    const direct = second.filter((e) => !e.passThrough);
    assert.deepEqual(sorted(direct.filter((e) => e.transition === 'exit').map((e) => e.geofenceId)), sorted(expectedExits));
    assert.deepEqual(sorted(direct.filter((e) => e.transition === 'enter').map((e) => e.geofenceId)), sorted(expectedEnters));
    exits += expectedExits.length;
  }
  assert.ok(exits > 50, `the second fixes should leave fences (left ${exits})`);
});

test('a device inside a fence stays inside anywhere within the margin beyond its edge, wherever the grid cells fall', () => {
  const random = seededRandom(99);
  const { defs } = randomFences(random, 10_000);
  const state = createGeofenceState({ maxMarginM: MAX_MARGIN_M }, new FleetDirectory());
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

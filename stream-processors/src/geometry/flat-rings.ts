import { metresPerDegree } from '@fieldtrace/protocol';
import { originToSegmentSq } from './edge-distance.js';

type Ring = ReadonlyArray<readonly [number, number]>;

const RAD = Math.PI / 180;
export const M_PER_DEG_LAT = metresPerDegree(0).lat;

/**
 * metresPerDegree(lat).lon to the last bit, without the object it returns: that allocation showed up at 2% of a
 * profile at 100,000 fences where the call was not inlined.
 */
export function metresPerDegreeLon(lat: number): number {
  return M_PER_DEG_LAT * Math.cos(lat * RAD);
}

/**
 * The rings of one or more polygons in three typed arrays. A 20-vertex ring as nested [lon, lat] arrays is 22 heap
 * objects scattered over memory; at 100,000 fences that scatter, not arithmetic, set the cost of a point-in-polygon
 * test (cache misses). Here a fence's coordinates are one contiguous block.
 */
export interface FlatPolygons {
  /** lon, lat of every vertex, ring after ring; each ring is stored closed (its first vertex repeated last). */
  readonly xy: Float64Array;
  /** First vertex of ring r is ringStart[r]; ringStart[ringCount] is the vertex count. */
  readonly ringStart: Int32Array;
  /** First ring (the outline) of member m is memberStart[m]; memberStart[memberCount] is the ring count. */
  readonly memberStart: Int32Array;
}

/**
 * Flattens GeoJSON-style members (outline + holes each). An open ring gets its first vertex appended, so edges are
 * always consecutive vertex pairs; a closed ring's zero-length closing edge (last → first) disappears, which changes
 * no parity and no distance (pointInRing and nearestEdgeM see that edge as a point already on the ring).
 */
export function flattenPolygons(members: ReadonlyArray<ReadonlyArray<Ring>>): FlatPolygons {
  let rings = 0;
  let vertices = 0;
  for (const member of members) {
    for (const ring of member) {
      rings++;
      vertices += closedLength(ring);
    }
  }
  const xy = new Float64Array(2 * vertices);
  const ringStart = new Int32Array(rings + 1);
  const memberStart = new Int32Array(members.length + 1);
  let r = 0;
  let v = 0;
  for (let m = 0; m < members.length; m++) {
    memberStart[m] = r;
    for (const ring of members[m]!) {
      ringStart[r++] = v;
      const n = closedLength(ring);
      for (let i = 0; i < n; i++) {
        const p = ring[i % ring.length]!;
        xy[2 * v] = p[0];
        xy[2 * v + 1] = p[1];
        v++;
      }
    }
  }
  memberStart[members.length] = r;
  ringStart[rings] = v;
  return { xy, ringStart: interned(ringStart), memberStart: interned(memberStart) };
}

/**
 * Most fences are one ring: their offset arrays ([0, 1] members, [0, n] rings) are equal across fences and never
 * written, so they are shared. A typed array costs ~200 bytes beyond its contents (view, buffer, backing-store
 * record); sharing these two saved ~40 MB at 100,000 fences.
 */
const SHARED_OFFSETS = new Map<string, Int32Array>();
function interned(offsets: Int32Array): Int32Array {
  if (offsets.length !== 2) return offsets;
  const key = `${offsets[0]},${offsets[1]}`;
  const shared = SHARED_OFFSETS.get(key);
  if (shared !== undefined) return shared;
  if (SHARED_OFFSETS.size < 4096) SHARED_OFFSETS.set(key, offsets);
  return offsets;
}

/** A polyline's [lon, lat] pairs as lon, lat, lon, lat, ... */
export function flattenPath(path: Ring): Float64Array {
  const xy = new Float64Array(2 * path.length);
  for (let i = 0; i < path.length; i++) {
    xy[2 * i] = path[i]![0];
    xy[2 * i + 1] = path[i]![1];
  }
  return xy;
}

function closedLength(ring: Ring): number {
  const n = ring.length;
  if (n === 0) return 0;
  const first = ring[0]!;
  const last = ring[n - 1]!;
  return first[0] === last[0] && first[1] === last[1] ? n : n + 1;
}

/**
 * Even-odd ray casting over vertices [from, to) of `xy`, with the very expression of the protocol's pointInRing
 * (a = later vertex, b = earlier), so both give the same answer to the last bit.
 */
export function pointInFlatRing(xy: Float64Array, from: number, to: number, lon: number, lat: number): boolean {
  let inside = false;
  for (let i = from + 1; i < to; i++) {
    const ax = xy[2 * i]!;
    const ay = xy[2 * i + 1]!;
    const bx = xy[2 * i - 2]!;
    const by = xy[2 * i - 1]!;
    if (ay > lat !== by > lat && lon < ((bx - ax) * (lat - ay)) / (by - ay) + ax) inside = !inside;
  }
  return inside;
}

/** Inside some member: inside its outline and outside each of its holes (the protocol's pointInPolygon per member). */
export function pointInFlatPolygons(p: FlatPolygons, lon: number, lat: number): boolean {
  const { xy, ringStart, memberStart } = p;
  for (let m = 0; m + 1 < memberStart.length; m++) {
    const first = memberStart[m]!;
    const end = memberStart[m + 1]!;
    if (first === end || !pointInFlatRing(xy, ringStart[first]!, ringStart[first + 1]!, lon, lat)) continue;
    let inHole = false;
    for (let r = first + 1; r < end && !inHole; r++) inHole = pointInFlatRing(xy, ringStart[r]!, ringStart[r + 1]!, lon, lat);
    if (!inHole) return true;
  }
  return false;
}

/**
 * nearestEdgeM over the consecutive-vertex edges of xy's vertices [from, to), skipping the edges that would join
 * two rings (`ringStart` marks where rings begin; pass null for one polyline). Same projection and early stop.
 */
export function nearestFlatEdgeM(
  lat: number,
  lon: number,
  xy: Float64Array,
  ringStart: Int32Array | null,
  stopBelowM: number,
): number {
  const kx = metresPerDegreeLon(lat);
  const ky = M_PER_DEG_LAT;
  const stopSq = stopBelowM * stopBelowM;
  let bestSq = Infinity;
  const rings = ringStart === null ? 1 : ringStart.length - 1;
  for (let r = 0; r < rings; r++) {
    const from = ringStart === null ? 0 : ringStart[r]!;
    const to = ringStart === null ? xy.length / 2 : ringStart[r + 1]!;
    if (to - from === 1) {
      // A one-vertex polyline: the distance to that point, as polylineDistanceM gives.
      const x = (xy[2 * from]! - lon) * kx;
      const y = (xy[2 * from + 1]! - lat) * ky;
      if (x * x + y * y < bestSq) bestSq = x * x + y * y;
      continue;
    }
    let ax = (xy[2 * from]! - lon) * kx;
    let ay = (xy[2 * from + 1]! - lat) * ky;
    for (let i = from + 1; i < to; i++) {
      const bx = (xy[2 * i]! - lon) * kx;
      const by = (xy[2 * i + 1]! - lat) * ky;
      const d = originToSegmentSq(ax, ay, bx, by);
      if (d < bestSq) {
        bestSq = d;
        if (bestSq < stopSq) return Math.sqrt(bestSq);
      }
      ax = bx;
      ay = by;
    }
  }
  return Math.sqrt(bestSq);
}

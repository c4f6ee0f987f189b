import { originToSegmentSq } from './edge-distance.js';
import { metresPerDegreeLon, M_PER_DEG_LAT } from './flat-rings.js';

/**
 * Per-cell precomputation for the geofence grid: what one small lon/lat box knows about each fence near it, so a fix
 * in that box tests only the few edges near it instead of the whole outline, and often nothing at all.
 *
 * Each fence a cell is compiled against (with `marginM` the largest hysteresis margin) is one of:
 *  - Out: every point of the cell lies more than marginM outside the fence, so it is not listed at all.
 *  - Deep: every point of the cell lies more than marginM inside: inside, and inside shrunk, with no test.
 *  - Ring, Polygons: the edges that come within marginM of the cell, as runs of consecutive vertices, and whether
 *    the cell's centre is inside each ring (Ring: a fence of one ring, the common case, in a shorter form). A point's ring status is the centre's, flipped once per kept edge that the
 *    segment point → centre crosses (that segment stays in the cell, so no other edge can cross it); and the
 *    nearest edge, when nearer than marginM, is always a kept one.
 *  - Path: a corridor's segments within its half-width + marginM of the cell.
 *  - Circle: near a circle's rim; the caller tests it with haversine.
 *  - Whole: the centre sits on an edge, so parity from it would be fragile: the caller tests the whole shape.
 * Every record carries the fence's bounding box: most fences listed in a cell do not contain a given point of it, and
 * four comparisons on data already in cache say so (the box grown by marginM says "farther than the margin").
 * For every point in the cell and every margin up to marginM the answers equal the whole-shape tests', except within
 * ~1e-12° (well under a micrometre) of an edge, where ray casting itself is arbitrary.
 *
 * Compiled cells (see CellViewBuilder in cell-compiler.ts) are appended to shared Float64Array chunks (a CellStore):
 * a cell's header, one fixed-size record per fence, then the records' bodies. A fix reads one contiguous stretch
 * instead of chasing a pointer per fence. This module reads them.
 * At 100,000 fences of 20 vertices, 100 m cells: ~1.2M records; see bench/src/geofence.ts for memory and timings.
 */
export const EntryKind = { Deep: 0, Ring: 1, Polygons: 2, Path: 3, Circle: 4, Whole: 5 } as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

/** A Ring / Polygons record's answer; Unsure (a crossing too close to call in floating point) asks for the whole test. */
export const Inside = { No: 0, Yes: 1, Unsure: 2 } as const;
export type Inside = (typeof Inside)[keyof typeof Inside];

// Cell header: south, west, north, east (padded), centre lat, lon, marginM, and marginM in degrees of lat and lon
// (lon taken at the cell's poleward edge, where a degree is shortest, so it over-reaches everywhere in the cell).
export const SOUTH = 0;
export const WEST = 1;
export const NORTH = 2;
export const EAST = 3;
export const REF_LAT = 4;
export const REF_LON = 5;
export const MARGIN = 6;
export const GROW_LAT = 7;
export const GROW_LON = 8;
export const HEADER = 9;
// Record: kind, the fence's box (south, west, north, east), offset of the body (-1: none).
export const RECORD = 6;
export const BODY_AT = 5;
// Bodies:
//   Ring:     centreInside, runCount, runs
//   Polygons: baseInside, runCount, tableLength, table, runs
//     table:  memberCount, then per member: ringCount, then per ring: centreInside, runCount
//   Path:     runCount, runs
//   run:      vertexCount, lon, lat, lon, lat, ...  (consecutive vertices; edges join neighbours)
// baseInside: a member with no kept edge has the centre inside, so the whole cell is inside the fence.

/** |orient(edge, centre)| below this × the edge's length (degrees): a crossing too close to call. */
const AMBIGUOUS = 1e-12;
/** CellStore chunk, doubles (2 MB). Chunks are never copied or grown, so filling the store frees nothing. */
const CHUNK = 1 << 18;

/**
 * Sub-cells per side. A cell is also split 4 × 4 and each record carries a 16-bit mask of the sub-cells its fence
 * (grown by marginM) reaches; FenceIndex keys name a sub-cell and hand out only those fences. With 100 m cells and
 * 25 m sub-cells this halved the fences touched per fix at 100,000 fences (19 → ~10), each one a cache miss.
 */
export const SUBCELLS = 4;
export const ALL_SUBCELLS = (1 << (SUBCELLS * SUBCELLS)) - 1;

/** Offset of record `i` of the cell whose header is at `cell`. */
export function recordOffset(cell: number, i: number): number {
  return cell + HEADER + i * RECORD;
}

/** Does cell `cell` of `d` (padded) contain the point? */
export function cellCovers(d: Float64Array, cell: number, lat: number, lon: number): boolean {
  return lat >= d[cell + SOUTH]! && lat <= d[cell + NORTH]! && lon >= d[cell + WEST]! && lon <= d[cell + EAST]!;
}

/** The cell's centre, the point its crossing parities are counted from, as [lat, lon]. */
export function cellCentre(d: Float64Array, cell: number): [number, number] {
  return [d[cell + REF_LAT]!, d[cell + REF_LON]!];
}

/** The largest margin (metres) the cell's records answer for. */
export function cellMarginM(d: Float64Array, cell: number): number {
  return d[cell + MARGIN]!;
}

export function recordKind(d: Float64Array, record: number): EntryKind {
  return d[record]! as EntryKind;
}

/** Inside the bounding box of the record's fence? */
export function inShapeBox(d: Float64Array, record: number, lat: number, lon: number): boolean {
  return lat >= d[record + 1]! && lat <= d[record + 3]! && lon >= d[record + 2]! && lon <= d[record + 4]!;
}

/** Inside that box grown by the cell's margin? Beyond it (the point being in the cell), the fence is farther. */
export function inGrownBox(d: Float64Array, cell: number, record: number, lat: number, lon: number): boolean {
  const gLat = d[cell + GROW_LAT]!;
  const gLon = d[cell + GROW_LON]!;
  return lat >= d[record + 1]! - gLat && lat <= d[record + 3]! + gLat && lon >= d[record + 2]! - gLon && lon <= d[record + 4]! + gLon;
}

/** Is the point inside the fence of a Ring or Polygons record of cell `cell`? */
export function insideRecord(d: Float64Array, cell: number, record: number, lat: number, lon: number): Inside {
  const p = d[record + BODY_AT]!;
  const cx = d[cell + REF_LON]!;
  const cy = d[cell + REF_LAT]!;
  if (d[record] === EntryKind.Ring) {
    const flips = crossings(d, p + 2, d[p + 1]!, lat, lon, cx, cy);
    return flips === Inside.Unsure ? Inside.Unsure : ((d[p] === 1) !== (flips === 1) ? Inside.Yes : Inside.No);
  }
  if (d[p] === 1) return Inside.Yes;
  let run = p + 3 + d[p + 2]!;
  let q = p + 3;
  const members = d[q++]!;
  for (let m = 0; m < members; m++) {
    const rings = d[q++]!;
    let memberIn = false;
    for (let r = 0; r < rings; r++) {
      const runs = d[q + 1]!;
      const flips = crossings(d, run, runs, lat, lon, cx, cy);
      if (flips === Inside.Unsure) return Inside.Unsure;
      const inside = (d[q] === 1) !== (flips === 1);
      q += 2;
      for (let k = 0; k < runs; k++) run += 1 + 2 * d[run]!;
      if (r === 0) memberIn = inside;
      else if (inside) memberIn = false; // in a hole
    }
    if (memberIn) return Inside.Yes;
  }
  return Inside.No;
}

/**
 * Parity (0 or 1) of the kept edges the segment point → centre (cx, cy) crosses, or 2 when a crossing is too close
 * to call. Each vertex's side of the line through point and centre is computed once, so both edges at a vertex
 * agree; a vertex exactly on the line counts as the negative side (a consistent tie-break).
 */
export function crossings(d: Float64Array, run: number, runs: number, lat: number, lon: number, cx: number, cy: number): number {
  const ux = cx - lon;
  const uy = cy - lat;
  let parity = 0;
  for (let k = 0; k < runs; k++) {
    const n = d[run]!;
    let ax = d[run + 1]!;
    let ay = d[run + 2]!;
    let sa = ux * (ay - lat) - uy * (ax - lon) > 0;
    for (let i = 1; i < n; i++) {
      const bx = d[run + 1 + 2 * i]!;
      const by = d[run + 2 + 2 * i]!;
      const sb = ux * (by - lat) - uy * (bx - lon) > 0;
      if (sa !== sb) {
        // The edge straddles the line; it crosses the segment if point and centre lie on opposite sides of it.
        const ex = bx - ax;
        const ey = by - ay;
        const oc = ex * (cy - ay) - ey * (cx - ax);
        if (Math.abs(oc) <= AMBIGUOUS * (Math.abs(ex) + Math.abs(ey))) return Inside.Unsure;
        if (ex * (lat - ay) - ey * (lon - ax) > 0 !== oc > 0) parity ^= 1;
      }
      ax = bx;
      ay = by;
      sa = sb;
    }
    run += 1 + 2 * n;
  }
  return parity;
}

/** nearestEdgeM over the edges a Ring / Polygons record keeps: exact whenever the answer is below the cell's margin. */
export function recordEdgeDistanceM(d: Float64Array, record: number, lat: number, lon: number, stopBelowM: number): number {
  const p = d[record + BODY_AT]!;
  if (d[record] === EntryKind.Ring) return nearestInRuns(d, p + 2, d[p + 1]!, lat, lon, stopBelowM);
  return nearestInRuns(d, p + 3 + d[p + 2]!, d[p + 1]!, lat, lon, stopBelowM);
}

/**
 * segmentFlatRingsCrossings over the edges a Ring / Polygons record keeps (same edges, same orientation, same
 * fractions), for a segment lying wholly in the record's cell: no other edge of the fence can cross it.
 */
export function recordCrossings(
  d: Float64Array,
  record: number,
  lon1: number,
  lat1: number,
  lon2: number,
  lat2: number,
  out: number[],
): void {
  const p = d[record + BODY_AT]!;
  const runs = d[p + 1]!;
  let run = d[record] === EntryKind.Ring ? p + 2 : p + 3 + d[p + 2]!;
  const dx = lon2 - lon1;
  const dy = lat2 - lat1;
  for (let k = 0; k < runs; k++) {
    const n = d[run]!;
    for (let i = 0; i + 1 < n; i++) {
      const ax = d[run + 1 + 2 * i]!;
      const ay = d[run + 2 + 2 * i]!;
      const ex = d[run + 3 + 2 * i]! - ax;
      const ey = d[run + 4 + 2 * i]! - ay;
      const denom = dx * ey - dy * ex;
      if (denom === 0) continue;
      const wx = ax - lon1;
      const wy = ay - lat1;
      const t = (wx * ey - wy * ex) / denom;
      const u = (wx * dy - wy * dx) / denom;
      if (t > 0 && t <= 1 && u >= 0 && u < 1) out.push(t);
    }
    run += 1 + 2 * n;
  }
}

/** polylineDistanceM over the segments a Path record keeps: exact whenever below half-width + the cell's margin. */
export function recordPathDistanceM(d: Float64Array, record: number, lat: number, lon: number, stopBelowM: number): number {
  const p = d[record + BODY_AT]!;
  return nearestInRuns(d, p + 1, d[p]!, lat, lon, stopBelowM);
}

/** The loop of nearestEdgeM / polylineDistanceM (same projection, same early stop) over stored runs. */
function nearestInRuns(d: Float64Array, run: number, runs: number, lat: number, lon: number, stopBelowM: number): number {
  const kx = metresPerDegreeLon(lat);
  const ky = M_PER_DEG_LAT;
  const stopSq = stopBelowM * stopBelowM;
  let bestSq = Infinity;
  for (let k = 0; k < runs; k++) {
    const n = d[run]!;
    let ax = (d[run + 1]! - lon) * kx;
    let ay = (d[run + 2]! - lat) * ky;
    for (let i = 1; i < n; i++) {
      const bx = (d[run + 1 + 2 * i]! - lon) * kx;
      const by = (d[run + 2 + 2 * i]! - lat) * ky;
      const dist = originToSegmentSq(ax, ay, bx, by);
      if (dist < bestSq) {
        bestSq = dist;
        if (bestSq < stopSq) return Math.sqrt(bestSq);
      }
      ax = bx;
      ay = by;
    }
    run += 1 + 2 * n;
  }
  return Math.sqrt(bestSq);
}

/**
 * Where compiled cells live: fixed-size Float64Array chunks, appended to and never changed, so a fence still
 * pointing at a record in an older chunk reads what was written there. No growth copies: with one doubling array,
 * 100,000 fences left 540 MB allocated for 300 MB of records, and the garbage collector ran a third of the time.
 */
export class CellStore {
  data = new Float64Array(CHUNK);
  end = 0;
  /** Doubles written to any chunk since the last clear. */
  written = 0;

  /** Makes room for `n` doubles at `end` of `data`, in a new chunk if this one is full. */
  reserve(n: number): void {
    if (this.end + n <= this.data.length) return;
    this.data = new Float64Array(Math.max(CHUNK, n));
    this.end = 0;
  }

  /** Starts afresh (records already handed out stay readable in their chunks). */
  clear(): void {
    this.data = new Float64Array(CHUNK);
    this.end = 0;
    this.written = 0;
  }
}

import { haversineM } from '@fieldtrace/protocol';
import {
  ALL_SUBCELLS,
  BODY_AT,
  crossings,
  EAST,
  EntryKind,
  GROW_LAT,
  GROW_LON,
  HEADER,
  Inside,
  MARGIN,
  NORTH,
  RECORD,
  REF_LAT,
  REF_LON,
  SOUTH,
  SUBCELLS,
  WEST,
  type CellStore,
} from './cell-view.js';
import { originToSegmentSq } from './edge-distance.js';
import { metresPerDegreeLon, M_PER_DEG_LAT, nearestFlatEdgeM, pointInFlatPolygons, pointInFlatRing, type FlatPolygons } from './flat-rings.js';

/** Widens the cell so a point a rounding error outside its grid cell still counts as in it. */
const PAD_DEG = 1e-9;
/** Growth by a distance keeps this relative + absolute slack over the flat-earth conversion to degrees. */
const SLACK = 1.01;
const SLACK_M = 1;
/** A centre nearer than this (degrees) to a kept edge makes the parity fragile: that record becomes Whole. */
const CLEAR_DEG = 1e-9;

/** A growable Float64Array used as scratch while compiling, reused from cell to cell. */
class Scratch {
  buf = new Float64Array(256);
  length = 0;

  push(v: number): void {
    if (this.length === this.buf.length) {
      const grown = new Float64Array(2 * this.buf.length);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = v;
  }

  append(from: Scratch, start: number, end: number): void {
    for (let i = start; i < end; i++) this.push(from.buf[i]!);
  }
}

/**
 * Compiles one cell: reset() to the cell's box, then per fence listed there setBox() and one add (false: Out, not
 * listed), then write() it to a store. Reused from cell to cell; compiling is off the per-fix path (once per cell
 * after its fences change).
 */
export class CellViewBuilder<T> {
  /** The fences kept, in record order, and the sub-cells each reaches (see SUBCELLS). */
  readonly owners: T[] = [];
  readonly masks: number[] = [];
  private readonly records = new Scratch();
  private readonly bodies = new Scratch();
  private readonly table = new Scratch();
  private readonly runs = new Scratch();
  private marginM = 0;
  private south = 0;
  private west = 0;
  private north = 0;
  private east = 0;
  private refLat = 0;
  private refLon = 0;
  /** The bounding box of the fence being added. */
  private bSouth = 0;
  private bWest = 0;
  private bNorth = 0;
  private bEast = 0;
  /** The cell grown by the last growBy() distance, and that growth in degrees. */
  private gSouth = 0;
  private gWest = 0;
  private gNorth = 0;
  private gEast = 0;
  private growLat = 0;
  private growLon = 0;
  /** The unpadded cell, which sub-cells divide. */
  private cSouth = 0;
  private cWest = 0;
  private cNorth = 0;
  private cEast = 0;

  reset(south: number, west: number, north: number, east: number, marginM: number): void {
    this.owners.length = 0;
    this.masks.length = 0;
    this.records.length = 0;
    this.cSouth = south;
    this.cWest = west;
    this.cNorth = north;
    this.cEast = east;
    this.bodies.length = 0;
    this.marginM = marginM;
    this.south = south - PAD_DEG;
    this.west = west - PAD_DEG;
    this.north = north + PAD_DEG;
    this.east = east + PAD_DEG;
    this.refLat = (south + north) / 2;
    this.refLon = (west + east) / 2;
  }

  /** Appends the cell to the store's current chunk; returns the offset of its header there. */
  write(store: CellStore): number {
    const records = this.records;
    const bodies = this.bodies;
    const size = HEADER + records.length + bodies.length;
    store.reserve(size);
    const d = store.data;
    const cell = store.end;
    const grow = this.marginM * SLACK + SLACK_M;
    d[cell + SOUTH] = this.south;
    d[cell + WEST] = this.west;
    d[cell + NORTH] = this.north;
    d[cell + EAST] = this.east;
    d[cell + REF_LAT] = this.refLat;
    d[cell + REF_LON] = this.refLon;
    d[cell + MARGIN] = this.marginM;
    d[cell + GROW_LAT] = grow / M_PER_DEG_LAT;
    d[cell + GROW_LON] = grow / metresPerDegreeLon(Math.min(89.9, Math.max(Math.abs(this.south), Math.abs(this.north))));
    const base = cell + HEADER + records.length;
    d.set(records.buf.subarray(0, records.length), cell + HEADER);
    for (let at = cell + HEADER + BODY_AT; at < base; at += RECORD) if (d[at]! >= 0) d[at] = base + d[at]!;
    d.set(bodies.buf.subarray(0, bodies.length), base);
    store.end = cell + size;
    store.written += size;
    return cell;
  }

  /** The bounding box (degrees, a superset of the shape) of the fence added next. */
  setBox(south: number, west: number, north: number, east: number): void {
    this.bSouth = south;
    this.bWest = west;
    this.bNorth = north;
    this.bEast = east;
  }

  addWhole(owner: T): void {
    this.open(owner, EntryKind.Whole, -1, ALL_SUBCELLS);
  }

  /** A circle tested with haversine: Deep or Out by the triangle inequality from the centre of the cell. */
  addCircle(owner: T, centerLat: number, centerLon: number, radiusM: number): boolean {
    const fromRef = haversineM(this.refLat, this.refLon, centerLat, centerLon);
    const reach = this.halfDiagonalM() * SLACK + SLACK_M;
    if (fromRef - reach > radiusM + this.marginM) return false;
    if (fromRef + reach <= radiusM - Math.min(this.marginM, radiusM / 2)) {
      this.open(owner, EntryKind.Deep, -1, ALL_SUBCELLS);
      return true;
    }
    // A sub-cell is reached unless its centre is farther than radius + margin + its own half-diagonal.
    const subReach = reach / SUBCELLS + SLACK_M;
    let mask = 0;
    for (let i = 0; i < SUBCELLS; i++) {
      for (let j = 0; j < SUBCELLS; j++) {
        const [lat, lon] = this.subCentre(i, j);
        if (haversineM(lat, lon, centerLat, centerLon) - subReach <= radiusM + this.marginM) mask |= 1 << (i * SUBCELLS + j);
      }
    }
    this.open(owner, EntryKind.Circle, -1, mask);
    return true;
  }

  /** A corridor: a polyline (lon, lat pairs) and its half-width. */
  addPath(owner: T, xy: Float64Array, radiusM: number): boolean {
    if (xy.length < 4) {
      this.addWhole(owner);
      return true;
    }
    this.growBy(radiusM + this.marginM);
    const runs = this.runs;
    runs.length = 0;
    const runCount = this.keepEdges(xy, 0, xy.length / 2);
    if (runCount === 0) return false;
    const fromRef = nearestFlatEdgeM(this.refLat, this.refLon, xy, null, 0);
    const reach = this.halfDiagonalM() * SLACK + SLACK_M;
    if (fromRef * SLACK + reach <= radiusM - Math.min(this.marginM, radiusM / 2)) {
      this.open(owner, EntryKind.Deep, -1, ALL_SUBCELLS);
      return true;
    }
    // Only the sub-cells a kept segment comes within half-width + margin of.
    this.open(owner, EntryKind.Path, this.bodies.length, this.subcellsNearRuns(runCount));
    this.bodies.push(runCount);
    this.bodies.append(runs, 0, runs.length);
    return true;
  }

  addPolygons(owner: T, polygons: FlatPolygons): boolean {
    const { xy, ringStart, memberStart } = polygons;
    this.growBy(this.marginM);
    const table = this.table;
    const runs = this.runs;
    table.length = 0;
    runs.length = 0;
    table.push(0);
    let members = 0;
    let runCount = 0;
    let baseInside = false;
    for (let m = 0; m + 1 < memberStart.length; m++) {
      const first = memberStart[m]!;
      const end = memberStart[m + 1]!;
      const tableMark = table.length;
      let memberRuns = 0;
      table.push(end - first);
      for (let r = first; r < end; r++) {
        const from = ringStart[r]!;
        const to = ringStart[r + 1]!;
        const kept = this.keepEdges(xy, from, to);
        table.push(pointInFlatRing(xy, from, to, this.refLon, this.refLat) ? 1 : 0);
        table.push(kept);
        memberRuns += kept;
      }
      if (memberRuns === 0) {
        // No edge near the cell: the member's status is the same everywhere in it.
        if (end > first && table.buf[tableMark + 1] === 1) {
          let inHole = false;
          for (let r = 1; r < end - first; r++) if (table.buf[tableMark + 1 + 2 * r] === 1) inHole = true;
          if (!inHole) baseInside = true;
        }
        table.length = tableMark;
        continue;
      }
      members++;
      runCount += memberRuns;
    }
    if (members === 0) {
      if (!baseInside) return false;
      this.open(owner, EntryKind.Deep, -1, ALL_SUBCELLS);
      return true;
    }
    if (!this.referenceClearOf(runCount)) {
      this.addWhole(owner);
      return true;
    }
    // Sub-cells a kept edge comes within the margin of are reached; any other sub-cell lies wholly inside or wholly
    // outside (by more than the margin), as its centre does.
    const ring = memberStart.length === 2 && ringStart.length === 2;
    let mask = this.subcellsNearRuns(runCount);
    for (let i = 0; i < SUBCELLS; i++) {
      for (let j = 0; j < SUBCELLS; j++) {
        const bit = 1 << (i * SUBCELLS + j);
        if ((mask & bit) !== 0) continue;
        const [lat, lon] = this.subCentre(i, j);
        let inside: boolean;
        if (ring) {
          const flips = crossings(runs.buf, 0, runCount, lat, lon, this.refLon, this.refLat);
          inside = flips === Inside.Unsure || (table.buf[2] === 1) !== (flips === 1);
        } else {
          inside = pointInFlatPolygons(polygons, lon, lat);
        }
        if (inside) mask |= bit;
      }
    }
    const b = this.bodies;
    if (ring) {
      // One member of one ring (table: member count, ring count, centreInside, runCount).
      this.open(owner, EntryKind.Ring, b.length, mask);
      b.push(table.buf[2]!);
      b.push(runCount);
    } else {
      table.buf[0] = members;
      this.open(owner, EntryKind.Polygons, b.length, mask);
      b.push(baseInside ? 1 : 0);
      b.push(runCount);
      b.push(table.length);
      b.append(table, 0, table.length);
    }
    b.append(runs, 0, runs.length);
    return true;
  }

  /** Appends the record; its body, if any, starts at `body` within this cell's bodies. */
  private open(owner: T, kind: EntryKind, body: number, mask: number): void {
    this.owners.push(owner);
    this.masks.push(mask);
    const r = this.records;
    r.push(kind);
    r.push(this.bSouth);
    r.push(this.bWest);
    r.push(this.bNorth);
    r.push(this.bEast);
    r.push(body);
  }

  /** Appends to `runs` the edges among vertices [from, to) that touch the grown cell, as runs; returns how many runs. */
  private keepEdges(xy: Float64Array, from: number, to: number): number {
    const runs = this.runs;
    let count = 0;
    let open = -1; // index in runs of the current run's vertex count
    for (let i = from; i + 1 < to; i++) {
      const ax = xy[2 * i]!;
      const ay = xy[2 * i + 1]!;
      const bx = xy[2 * i + 2]!;
      const by = xy[2 * i + 3]!;
      if (!segmentTouchesBox(ax, ay, bx, by, this.gWest, this.gSouth, this.gEast, this.gNorth)) {
        open = -1;
        continue;
      }
      if (open < 0) {
        open = runs.length;
        runs.push(1);
        runs.push(ax);
        runs.push(ay);
        count++;
      }
      runs.push(bx);
      runs.push(by);
      runs.buf[open] = runs.buf[open]! + 1;
    }
    return count;
  }

  /** Sub-cells (bits i * SUBCELLS + j, i from the south, j from the west) that a kept run touches, grown by growBy. */
  private subcellsNearRuns(runCount: number): number {
    const runs = this.runs.buf;
    const dLat = (this.cNorth - this.cSouth) / SUBCELLS;
    const dLon = (this.cEast - this.cWest) / SUBCELLS;
    const padLat = this.growLat + PAD_DEG;
    const padLon = this.growLon + PAD_DEG;
    let mask = 0;
    let run = 0;
    for (let k = 0; k < runCount; k++) {
      const n = runs[run]!;
      for (let e = 1; e < n; e++) {
        const a = run + 2 * e - 1;
        const ax = runs[a]!;
        const ay = runs[a + 1]!;
        const bx = runs[a + 2]!;
        const by = runs[a + 3]!;
        for (let i = 0; i < SUBCELLS; i++) {
          const y0 = this.cSouth + i * dLat - padLat;
          const y1 = this.cSouth + (i + 1) * dLat + padLat;
          for (let j = 0; j < SUBCELLS; j++) {
            const x0 = this.cWest + j * dLon - padLon;
            const x1 = this.cWest + (j + 1) * dLon + padLon;
            if (segmentTouchesBox(ax, ay, bx, by, x0, y0, x1, y1)) mask |= 1 << (i * SUBCELLS + j);
          }
        }
      }
      run += 1 + 2 * n;
    }
    return mask;
  }

  /** Centre of sub-cell (i, j), as [lat, lon]. */
  private subCentre(i: number, j: number): [number, number] {
    return [
      this.cSouth + ((i + 0.5) * (this.cNorth - this.cSouth)) / SUBCELLS,
      this.cWest + ((j + 0.5) * (this.cEast - this.cWest)) / SUBCELLS,
    ];
  }

  /** The cell grown by `metres` on every side, in degrees taken where a metre spans the most (the poleward edge). */
  private growBy(metres: number): void {
    const grow = metres * SLACK + SLACK_M;
    const growLat = grow / M_PER_DEG_LAT;
    const poleward = Math.min(89.9, Math.max(Math.abs(this.south - growLat), Math.abs(this.north + growLat)));
    const growLon = grow / metresPerDegreeLon(poleward);
    this.growLat = growLat;
    this.growLon = growLon;
    this.gSouth = this.south - growLat;
    this.gNorth = this.north + growLat;
    this.gWest = this.west - growLon;
    this.gEast = this.east + growLon;
  }

  /** Farthest corner of the padded cell from its centre, metres. */
  private halfDiagonalM(): number {
    return Math.max(
      haversineM(this.refLat, this.refLon, this.south, this.west),
      haversineM(this.refLat, this.refLon, this.south, this.east),
      haversineM(this.refLat, this.refLon, this.north, this.west),
      haversineM(this.refLat, this.refLon, this.north, this.east),
    );
  }

  /** Is the centre clear of every kept edge by CLEAR_DEG (planar degrees)? */
  private referenceClearOf(runCount: number): boolean {
    const runs = this.runs.buf;
    const clearSq = CLEAR_DEG * CLEAR_DEG;
    let run = 0;
    for (let k = 0; k < runCount; k++) {
      const n = runs[run]!;
      for (let i = 1; i < n; i++) {
        const a = run + 2 * i - 1;
        const d = originToSegmentSq(runs[a]! - this.refLon, runs[a + 1]! - this.refLat, runs[a + 2]! - this.refLon, runs[a + 3]! - this.refLat);
        if (d < clearSq) return false;
      }
      run += 1 + 2 * n;
    }
    return true;
  }
}

/** Segment against a box: boxes overlap and the box's corners are not all on one side of the segment's line. */
function segmentTouchesBox(ax: number, ay: number, bx: number, by: number, x0: number, y0: number, x1: number, y1: number): boolean {
  if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) return false;
  const dx = bx - ax;
  const dy = by - ay;
  const s1 = dx * (y0 - ay) - dy * (x0 - ax);
  const s2 = dx * (y0 - ay) - dy * (x1 - ax);
  const s3 = dx * (y1 - ay) - dy * (x0 - ax);
  const s4 = dx * (y1 - ay) - dy * (x1 - ax);
  return !((s1 > 0 && s2 > 0 && s3 > 0 && s4 > 0) || (s1 < 0 && s2 < 0 && s3 < 0 && s4 < 0));
}

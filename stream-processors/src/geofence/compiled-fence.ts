import { haversineM, metresPerDegree, type GeofenceShape, type LonLat } from '@fieldtrace/protocol';
import {
  cellCovers,
  cellMarginM,
  inGrownBox,
  inShapeBox,
  insideRecord,
  EntryKind,
  Inside,
  recordEdgeDistanceM,
  recordKind,
  recordCrossings,
  recordPathDistanceM,
} from '../geometry/cell-view.js';
import type { CellViewBuilder } from '../geometry/cell-compiler.js';
import { flattenPath, flattenPolygons, nearestFlatEdgeM, pointInFlatPolygons, type FlatPolygons } from '../geometry/flat-rings.js';
import { segmentCircleCrossings, segmentFlatRingsCrossings } from '../geometry/segment-crossings.js';

/** What a fence is for; each kind has its own dwell defaults (see GeofenceOptions.dwell). */
export type FenceKind = 'site' | 'depot' | 'zone' | 'job';
export const FENCE_KINDS: readonly FenceKind[] = ['site', 'depot', 'zone', 'job'];

/** A fence as the processors receive it from the `geofences` table (or derive it from a job). */
export interface FenceDef {
  id: string;
  siteId: string | null;
  shape: GeofenceShape;
  /** Default 'zone'. */
  kind?: FenceKind;
  /** Time inside before "arrived", seconds; default per kind. */
  dwellInS?: number | null;
  /** Time outside before "departed", seconds; default per kind. */
  dwellOutS?: number | null;
  speedLimitKmh?: number | null;
  /** Event-time window (Unix ms) in which the fence can be entered; exits are tracked whenever. */
  activeFrom?: number | null;
  activeTo?: number | null;
  /** Only devices mounted on this vehicle are evaluated (a job's fence concerns its assigned vehicle). */
  vehicleId?: string | null;
  jobId?: string | null;
}

type Rings = ReadonlyArray<ReadonlyArray<LonLat>>;

const ShapeCode = { Circle: 0, Polygons: 1, Corridor: 2 } as const;
type ShapeCode = (typeof ShapeCode)[keyof typeof ShapeCode];

// Bounding boxes are computed with a flat-earth scale while circles are tested with haversine; this slack keeps
// the box a superset of the circle (the two differ by far less than 0.5% at the 100 km maximum radius).
const BOX_SLACK = 1.005;
const BOX_SLACK_M = 1;
const M_PER_DEG_LAT = metresPerDegree(0).lat;

const NO_POLYGONS: FlatPolygons = { xy: new Float64Array(0), ringStart: new Int32Array(1), memberStart: new Int32Array(1) };
const NO_PATH = new Float64Array(0);

/**
 * One fence prepared for the hot path. Every instance has the same fields whatever its shape (stable hidden class),
 * and an upsert of the same id updates the instance in place, so per-device state can hold references to it.
 * Polygons are planar in lon/lat (as the protocol's pointInRing): not for fences across the antimeridian or a pole.
 *
 * The exact tests first try the grid cell the index last listed this fence from (`view`, see CellView): when the
 * point lies in that cell and the margin is within the one the cell was compiled for, the cell's few nearby edges
 * answer (or nothing needs testing at all). Otherwise the whole shape is tested, from flat typed arrays.
 */
export class CompiledFence {
  // The fields a fix touches for every candidate come first: V8 lays fields out in declaration order, so these share
  // the object's first cache line. Numbers that are not small integers live in separate heap boxes (one cache miss
  // each at 100,000 fences), which is why activeAt first reads the `alwaysActive` flag.
  /** Step stamp of the last time this fence was a candidate; see stepGeofence. */
  mark = 0;
  /**
   * The compiled grid cell this fence was last handed out from: the array it lives in (see CellStore), its header
   * and this fence's record there. Compiled records are never overwritten and redefine() drops the pointer, so it
   * always describes this fence's current shape (for points inside that cell).
   */
  viewData: Float64Array | null = null;
  viewCell = 0;
  viewEntry = 0;
  vehicleId: string | null = null;
  /** No activeFrom / activeTo window. */
  alwaysActive = true;
  /** False once removed from its index; devices still holding it drop it without an exit event. */
  live = true;
  /** Too big for the grid: checked for every fix of its tenant instead. */
  large = false;
  code: ShapeCode = ShapeCode.Circle;
  readonly id: string;
  siteId: string | null = null;
  shape: GeofenceShape;
  kind: FenceKind = 'zone';
  /** Resolved dwell thresholds, ms (defaults applied by the index's owner). */
  dwellInMs = 0;
  dwellOutMs = 0;
  dwellInS: number | null = null;
  dwellOutS: number | null = null;
  speedLimitKmh: number | null = null;
  activeFrom = Number.NEGATIVE_INFINITY;
  activeTo = Number.POSITIVE_INFINITY;
  jobId: string | null = null;
  centerLat = 0;
  centerLon = 0;
  /** Circle radius, or half the corridor's width, metres. */
  radiusM = 0;
  /** Polygon members (a polygon has one), each outline + holes. */
  members: Rings[] = [];
  path: ReadonlyArray<LonLat> = [];
  /** The same polygons / corridor path as flat typed arrays, for the per-fix tests. */
  polygons: FlatPolygons = NO_POLYGONS;
  pathXy: Float64Array = NO_PATH;
  /** Bounding box of the exact shape, degrees. */
  minLat = 0;
  maxLat = 0;
  minLon = 0;
  maxLon = 0;
  /** Grid cells the fence (grown by the largest hysteresis margin) is listed in; see FenceIndex. */
  cellKeys: number[] = [];

  constructor(def: FenceDef) {
    this.id = def.id;
    this.shape = def.shape;
    this.redefine(def);
  }

  redefine(def: FenceDef): void {
    this.siteId = def.siteId;
    this.shape = def.shape;
    this.kind = def.kind ?? 'zone';
    this.dwellInS = def.dwellInS ?? null;
    this.dwellOutS = def.dwellOutS ?? null;
    this.speedLimitKmh = def.speedLimitKmh ?? null;
    this.activeFrom = def.activeFrom ?? Number.NEGATIVE_INFINITY;
    this.activeTo = def.activeTo ?? Number.POSITIVE_INFINITY;
    this.alwaysActive = this.activeFrom === Number.NEGATIVE_INFINITY && this.activeTo === Number.POSITIVE_INFINITY;
    this.vehicleId = def.vehicleId ?? null;
    this.jobId = def.jobId ?? null;
    const shape = def.shape;
    this.viewData = null;
    this.members = [];
    this.path = [];
    this.polygons = NO_POLYGONS;
    this.pathXy = NO_PATH;
    this.radiusM = 0;
    if (shape.type === 'circle') {
      this.code = ShapeCode.Circle;
      this.centerLon = shape.center[0];
      this.centerLat = shape.center[1];
      this.radiusM = shape.radiusM;
      const reach = shape.radiusM * BOX_SLACK + BOX_SLACK_M;
      const m = metresPerDegree(Math.min(89.9, Math.abs(this.centerLat) + reach / M_PER_DEG_LAT));
      this.setBox(this.centerLat - reach / m.lat, this.centerLat + reach / m.lat, this.centerLon - reach / m.lon, this.centerLon + reach / m.lon);
      return;
    }
    if (shape.type === 'corridor') {
      this.code = ShapeCode.Corridor;
      this.path = shape.path;
      this.pathXy = flattenPath(shape.path);
      this.radiusM = shape.widthM / 2;
      this.boxAround(shape.path, this.radiusM * BOX_SLACK + BOX_SLACK_M);
      return;
    }
    this.code = ShapeCode.Polygons;
    this.members = shape.type === 'polygon' ? [shape.coordinates] : shape.coordinates;
    // Holes lie inside their outline, so the outlines alone bound the fence.
    const outlines: LonLat[] = [];
    for (const member of this.members) if (member[0]) for (const p of member[0]) outlines.push(p);
    this.polygons = flattenPolygons(this.members);
    this.boxAround(outlines, 0);
  }

  private boxAround(points: ReadonlyArray<LonLat>, growM: number): void {
    let minLat = Infinity;
    let maxLat = -Infinity;
    let minLon = Infinity;
    let maxLon = -Infinity;
    for (const [lon, lat] of points) {
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
    }
    const growLat = growM / M_PER_DEG_LAT;
    const growLon = growM / metresPerDegree(Math.min(89.9, Math.max(Math.abs(minLat), Math.abs(maxLat)) + growLat)).lon;
    this.setBox(minLat - growLat, maxLat + growLat, minLon - growLon, maxLon + growLon);
  }

  private setBox(minLat: number, maxLat: number, minLon: number, maxLon: number): void {
    this.minLat = minLat;
    this.maxLat = maxLat;
    this.minLon = minLon;
    this.maxLon = maxLon;
    if (this.code !== ShapeCode.Circle) {
      this.centerLat = (minLat + maxLat) / 2;
      this.centerLon = (minLon + maxLon) / 2;
    }
  }

  /** Can a device enter it at this event time? (Exits are tracked at any time.) */
  activeAt(ts: number): boolean {
    return this.alwaysActive || (ts >= this.activeFrom && ts <= this.activeTo);
  }

  inBox(lat: number, lon: number): boolean {
    return lat >= this.minLat && lat <= this.maxLat && lon >= this.minLon && lon <= this.maxLon;
  }

  /** Does the box of the segment overlap the fence's box grown by `growDeg` degrees? */
  segmentNearBox(lat1: number, lon1: number, lat2: number, lon2: number, growDeg: number): boolean {
    return (
      Math.max(lat1, lat2) >= this.minLat - growDeg &&
      Math.min(lat1, lat2) <= this.maxLat + growDeg &&
      Math.max(lon1, lon2) >= this.minLon - growDeg &&
      Math.min(lon1, lon2) <= this.maxLon + growDeg
    );
  }

  /** Adds this fence's entry to a grid cell being compiled (false: it stays beyond the margin everywhere there). */
  compileInto(cell: CellViewBuilder<CompiledFence>): boolean {
    cell.setBox(this.minLat, this.minLon, this.maxLat, this.maxLon);
    if (this.code === ShapeCode.Circle) return cell.addCircle(this, this.centerLat, this.centerLon, this.radiusM);
    if (this.code === ShapeCode.Corridor) return cell.addPath(this, this.pathXy, this.radiusM);
    return cell.addPolygons(this, this.polygons);
  }

  /** The exact test with no margin: what a brute-force scan would say. */
  contains(lat: number, lon: number): boolean {
    const d = this.viewData;
    if (d !== null && cellCovers(d, this.viewCell, lat, lon)) {
      const e = this.viewEntry;
      const kind = recordKind(d, e);
      if (kind === EntryKind.Deep) return true;
      if (!inShapeBox(d, e, lat, lon)) return false;
      if (kind === EntryKind.Ring || kind === EntryKind.Polygons) {
        const inside = insideRecord(d, this.viewCell, e, lat, lon);
        if (inside !== Inside.Unsure) return inside === Inside.Yes;
      } else if (kind === EntryKind.Path) {
        return recordPathDistanceM(d, e, lat, lon, 0) <= this.radiusM;
      }
    }
    if (!this.inBox(lat, lon)) return false;
    if (this.code === ShapeCode.Circle) return haversineM(lat, lon, this.centerLat, this.centerLon) <= this.radiusM;
    if (this.code === ShapeCode.Corridor) return nearestFlatEdgeM(lat, lon, this.pathXy, null, 0) <= this.radiusM;
    return pointInFlatPolygons(this.polygons, lon, lat);
  }

  /** Inside the fence shrunk by `marginM`: a fix far enough inside that jitter of that size cannot be the cause. */
  containsShrunk(lat: number, lon: number, marginM: number): boolean {
    const d = this.viewData;
    if (d !== null && marginM >= 0 && cellCovers(d, this.viewCell, lat, lon) && marginM <= cellMarginM(d, this.viewCell)) {
      const e = this.viewEntry;
      const kind = recordKind(d, e);
      if (kind === EntryKind.Deep) return true;
      if (!inShapeBox(d, e, lat, lon)) return false;
      if (kind === EntryKind.Ring || kind === EntryKind.Polygons) {
        const inside = insideRecord(d, this.viewCell, e, lat, lon);
        if (inside === Inside.No) return false;
        if (inside === Inside.Yes) return marginM === 0 || recordEdgeDistanceM(d, e, lat, lon, marginM) >= marginM;
      } else if (kind === EntryKind.Path) {
        return recordPathDistanceM(d, e, lat, lon, 0) <= this.radiusM - Math.min(marginM, this.radiusM / 2);
      }
    }
    if (!this.inBox(lat, lon)) return false;
    // Circles and corridors shrink by at most half their radius: a small fence (a 5 m loading bay) must still be
    // enterable by a fix whose accuracy is worse than its size.
    if (this.code === ShapeCode.Circle) {
      return haversineM(lat, lon, this.centerLat, this.centerLon) <= this.radiusM - Math.min(marginM, this.radiusM / 2);
    }
    if (this.code === ShapeCode.Corridor) {
      return nearestFlatEdgeM(lat, lon, this.pathXy, null, 0) <= this.radiusM - Math.min(marginM, this.radiusM / 2);
    }
    if (!pointInFlatPolygons(this.polygons, lon, lat)) return false;
    return marginM <= 0 || nearestFlatEdgeM(lat, lon, this.polygons.xy, this.polygons.ringStart, marginM) >= marginM;
  }

  /** Outside the fence grown by `marginM`. */
  excludesGrown(lat: number, lon: number, marginM: number): boolean {
    const d = this.viewData;
    if (d !== null && marginM >= 0 && cellCovers(d, this.viewCell, lat, lon) && marginM <= cellMarginM(d, this.viewCell)) {
      const e = this.viewEntry;
      const kind = recordKind(d, e);
      if (kind === EntryKind.Deep) return false;
      if (kind !== EntryKind.Circle && !inGrownBox(d, this.viewCell, e, lat, lon)) return true;
      if (kind === EntryKind.Ring || kind === EntryKind.Polygons) {
        const inside = insideRecord(d, this.viewCell, e, lat, lon);
        if (inside === Inside.Yes) return false;
        if (inside === Inside.No) return marginM === 0 || recordEdgeDistanceM(d, e, lat, lon, marginM) > marginM;
      } else if (kind === EntryKind.Path) {
        const reach = this.radiusM + marginM;
        return recordPathDistanceM(d, e, lat, lon, reach) > reach;
      }
    }
    if (this.code === ShapeCode.Circle) return haversineM(lat, lon, this.centerLat, this.centerLon) > this.radiusM + marginM;
    if (this.code === ShapeCode.Corridor) {
      const reach = this.radiusM + marginM;
      return nearestFlatEdgeM(lat, lon, this.pathXy, null, reach) > reach;
    }
    if (this.inBox(lat, lon) && pointInFlatPolygons(this.polygons, lon, lat)) return false;
    return marginM <= 0 || nearestFlatEdgeM(lat, lon, this.polygons.xy, this.polygons.ringStart, marginM) > marginM;
  }

  /**
   * Fractions t in (0, 1] along the segment from point 1 to point 2 where it crosses the exact boundary, ascending,
   * appended to `out` (cleared first). Off the common path: called for transitions and long gaps between fixes.
   */
  crossings(lat1: number, lon1: number, lat2: number, lon2: number, out: number[]): number[] {
    out.length = 0;
    if (this.code === ShapeCode.Circle) {
      segmentCircleCrossings(lat1, lon1, lat2, lon2, this.centerLat, this.centerLon, this.radiusM, out);
    } else if (this.code === ShapeCode.Polygons) {
      // Both fixes in the cell this fence was just tested in (the usual case at 1 Hz): the edges kept there, already
      // in cache, are the only ones the segment can cross. This took crossings from ~1.9 to ~0.2 µs at 100,000 fences.
      const d = this.viewData;
      const kind = d === null ? EntryKind.Whole : recordKind(d, this.viewEntry);
      const kept = kind === EntryKind.Deep || kind === EntryKind.Ring || kind === EntryKind.Polygons;
      if (kept && cellCovers(d!, this.viewCell, lat1, lon1) && cellCovers(d!, this.viewCell, lat2, lon2)) {
        if (kind !== EntryKind.Deep) recordCrossings(d!, this.viewEntry, lon1, lat1, lon2, lat2, out);
      } else if (this.segmentNearBox(lat1, lon1, lat2, lon2, 0)) {
        segmentFlatRingsCrossings(lon1, lat1, lon2, lat2, this.polygons.xy, this.polygons.ringStart, out);
      }
      if (out.length > 1) out.sort(ascending);
    } else {
      this.corridorCrossings(lat1, lon1, lat2, lon2, out);
    }
    return out;
  }

  /** A corridor's boundary is a union of capsules: sample at a quarter of its width, then bisect each change. */
  private corridorCrossings(lat1: number, lon1: number, lat2: number, lon2: number, out: number[]): void {
    const length = haversineM(lat1, lon1, lat2, lon2);
    const steps = Math.max(1, Math.min(10_000, Math.ceil(length / Math.max(1, this.radiusM / 2))));
    let before = this.contains(lat1, lon1);
    let t0 = 0;
    for (let k = 1; k <= steps; k++) {
      const t1 = k / steps;
      const now = this.contains(lat1 + (lat2 - lat1) * t1, lon1 + (lon2 - lon1) * t1);
      if (now !== before) {
        let lo = t0;
        let hi = t1;
        for (let i = 0; i < 30; i++) {
          const mid = (lo + hi) / 2;
          if (this.contains(lat1 + (lat2 - lat1) * mid, lon1 + (lon2 - lon1) * mid) === before) lo = mid;
          else hi = mid;
        }
        out.push(hi);
        before = now;
      }
      t0 = t1;
    }
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}

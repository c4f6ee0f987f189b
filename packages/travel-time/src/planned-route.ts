import { EARTH_RADIUS_M, haversineM, type LonLat } from '@fieldtrace/protocol';

/**
 * A vehicle's planned route (from dispatch, the optimizer or a transit timetable), prepared once so that each fix
 * costs a projection onto nearby segments and each estimate a walk over pieces whose H3 cells are already known.
 */

/** A route is cut into pieces of at most this length, each timed at its own cell's learned speed, m. */
export const ROUTE_PIECE_M = 200;
/** When looking for the vehicle near where it last was: this far back (GPS noise, a short reversal), m. */
const SEARCH_BACK_M = 300;
/** ...and this far ahead, m (a minute at motorway speed plus a gap in the fixes). */
const SEARCH_AHEAD_M = 5000;
const M_PER_DEG_LAT = (EARTH_RADIUS_M * Math.PI) / 180;
const RAD = Math.PI / 180;

export interface PlannedRoute {
  readonly lats: Float64Array;
  readonly lons: Float64Array;
  /** Distance along the route from its first vertex to each vertex, m. */
  readonly alongM: Float64Array;
  readonly lengthM: number;
  /** Where each piece starts along the route, m; a piece ends where the next one starts, the last at lengthM. */
  readonly pieceStartM: Float64Array;
  readonly pieceCell: readonly string[];
  readonly pieceParent: readonly string[];
}

/** What compiling a route needs from a speed profile: its cells. */
export interface CellLookup {
  cellAt(lat: number, lon: number): string;
  parentOfCell(cell: string): string;
}

/** A point's nearest place on a route. */
export interface RoutePosition {
  /** Distance along the route, m. */
  alongM: number;
  /** Distance from the point to the route, m. */
  offM: number;
}

/** Null for fewer than two distinct vertices: nothing to drive along. */
export function compileRoute(coords: readonly LonLat[], cells: CellLookup): PlannedRoute | null {
  const lats: number[] = [];
  const lons: number[] = [];
  const along: number[] = [];
  let total = 0;
  for (const [lon, lat] of coords) {
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const n = lats.length;
    if (n > 0) {
      const d = haversineM(lats[n - 1]!, lons[n - 1]!, lat, lon);
      if (d < 0.5) continue;
      total += d;
    }
    lats.push(lat);
    lons.push(lon);
    along.push(total);
  }
  if (lats.length < 2) return null;

  const pieces = Math.max(1, Math.ceil(total / ROUTE_PIECE_M));
  const pieceStartM = new Float64Array(pieces);
  const pieceCell: string[] = [];
  const pieceParent: string[] = [];
  const route = { lats: Float64Array.from(lats), lons: Float64Array.from(lons), alongM: Float64Array.from(along), lengthM: total };
  const mid = { lat: 0, lon: 0 };
  for (let k = 0; k < pieces; k++) {
    pieceStartM[k] = (k * total) / pieces;
    pointAlong(route, ((k + 0.5) * total) / pieces, mid);
    const cell = cells.cellAt(mid.lat, mid.lon);
    pieceCell.push(cell);
    pieceParent.push(cells.parentOfCell(cell));
  }
  return { ...route, pieceStartM, pieceCell, pieceParent };
}

/** Index of the segment (vertex i to i + 1) containing the distance `alongM`, clamped to the route. */
export function segmentAt(route: Pick<PlannedRoute, 'alongM'>, alongM: number): number {
  const a = route.alongM;
  let lo = 0;
  let hi = a.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid]! <= alongM) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The point `alongM` metres along the route, written to `out`. */
export function pointAlong(route: Pick<PlannedRoute, 'lats' | 'lons' | 'alongM'>, alongM: number, out: { lat: number; lon: number }): void {
  const i = segmentAt(route, alongM);
  const a0 = route.alongM[i]!;
  const len = route.alongM[i + 1]! - a0;
  const f = len > 0 ? Math.min(1, Math.max(0, (alongM - a0) / len)) : 0;
  out.lat = route.lats[i]! + f * (route.lats[i + 1]! - route.lats[i]!);
  out.lon = route.lons[i]! + f * (route.lons[i + 1]! - route.lons[i]!);
}

/**
 * Where a vehicle is on its route: first near `hintM` (where it was last time; negative when unknown), then, if
 * that finds nothing within `offRouteM`, anywhere. The caller decides from `out.offM` whether it is on the route.
 */
export function locateVehicle(
  route: PlannedRoute,
  lat: number,
  lon: number,
  hintM: number,
  offRouteM: number,
  out: RoutePosition,
): RoutePosition {
  if (hintM >= 0) {
    nearest(route, lat, lon, segmentAt(route, hintM - SEARCH_BACK_M), segmentAt(route, hintM + SEARCH_AHEAD_M) + 1, out);
    if (out.offM <= offRouteM) return out;
  }
  return nearest(route, lat, lon, 0, route.lats.length - 1, out);
}

/** Where a destination is on the route, searching only from `afterM` on (a route may pass one place twice). */
export function locateAfter(route: PlannedRoute, lat: number, lon: number, afterM: number, out: RoutePosition): RoutePosition {
  nearest(route, lat, lon, segmentAt(route, Math.max(0, afterM)), route.lats.length - 1, out);
  if (out.alongM < afterM) out.alongM = afterM;
  return out;
}

/**
 * Nearest point on segments [from, to): flat-earth around the query point, exact enough for segments of a few
 * km. Ties go to the earlier segment, so a route that doubles back is matched to its first pass.
 */
function nearest(route: PlannedRoute, lat: number, lon: number, from: number, to: number, out: RoutePosition): RoutePosition {
  const mLon = M_PER_DEG_LAT * Math.cos(lat * RAD);
  const lats = route.lats;
  const lons = route.lons;
  let best = Number.POSITIVE_INFINITY;
  let bestAlong = 0;
  const end = Math.min(to, lats.length - 1);
  for (let i = Math.max(0, from); i < end; i++) {
    const ax = (lons[i]! - lon) * mLon;
    const ay = (lats[i]! - lat) * M_PER_DEG_LAT;
    const dx = (lons[i + 1]! - lon) * mLon - ax;
    const dy = (lats[i + 1]! - lat) * M_PER_DEG_LAT - ay;
    const len2 = dx * dx + dy * dy;
    let t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const px = ax + t * dx;
    const py = ay + t * dy;
    const d2 = px * px + py * py;
    if (d2 < best) {
      best = d2;
      bestAlong = route.alongM[i]! + t * (route.alongM[i + 1]! - route.alongM[i]!);
    }
  }
  out.alongM = bestAlong;
  out.offM = Math.sqrt(best);
  return out;
}

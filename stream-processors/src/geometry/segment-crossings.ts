import { metresPerDegree } from '@fieldtrace/protocol';

/**
 * Where a segment crosses a boundary, as fractions t of the way from its first point to its second. Used to time a
 * fence crossing between two fixes (interpolated event time) and to find a fence passed through between sparse
 * fixes. Off the common path, so clarity beats speed here.
 */

/**
 * Crossings of the segment (lon1, lat1)-(lon2, lat2) with every edge of flattened polygons (see flattenPolygons),
 * appended unsorted, planar in lon/lat. Over nested [lon, lat] arrays this cost ~4 µs per enter/exit event at
 * 100,000 fences, nearly all of it cache misses on the 20-odd little vertex arrays of each ring.
 */
export function segmentFlatRingsCrossings(
  lon1: number,
  lat1: number,
  lon2: number,
  lat2: number,
  xy: Float64Array,
  ringStart: Int32Array,
  out: number[],
): void {
  const dx = lon2 - lon1;
  const dy = lat2 - lat1;
  for (let r = 0; r + 1 < ringStart.length; r++) {
    const end = ringStart[r + 1]!;
    for (let i = ringStart[r]!; i + 1 < end; i++) {
      const ax = xy[2 * i]!;
      const ay = xy[2 * i + 1]!;
      const ex = xy[2 * i + 2]! - ax;
      const ey = xy[2 * i + 3]! - ay;
      const denom = dx * ey - dy * ex;
      if (denom === 0) continue; // parallel: touching along an edge is not a crossing
      const wx = ax - lon1;
      const wy = ay - lat1;
      const t = (wx * ey - wy * ex) / denom;
      const u = (wx * dy - wy * dx) / denom;
      // Half-open on the edge (u in [0, 1)) so a segment through a vertex counts once, as ray casting does.
      if (t > 0 && t <= 1 && u >= 0 && u < 1) out.push(t);
    }
  }
}

/** Crossings of a segment with a circle (centre, radius in metres), ascending, on a flat plane at the centre. */
export function segmentCircleCrossings(
  lat1: number,
  lon1: number,
  lat2: number,
  lon2: number,
  centerLat: number,
  centerLon: number,
  radiusM: number,
  out: number[],
): void {
  const m = metresPerDegree(centerLat);
  const px = (lon1 - centerLon) * m.lon;
  const py = (lat1 - centerLat) * m.lat;
  const dx = (lon2 - lon1) * m.lon;
  const dy = (lat2 - lat1) * m.lat;
  const a = dx * dx + dy * dy;
  if (a === 0) return;
  const b = 2 * (px * dx + py * dy);
  const c = px * px + py * py - radiusM * radiusM;
  const disc = b * b - 4 * a * c;
  if (disc <= 0) return; // a tangent touches without crossing
  const root = Math.sqrt(disc);
  const t1 = (-b - root) / (2 * a);
  const t2 = (-b + root) / (2 * a);
  if (t1 > 0 && t1 <= 1) out.push(t1);
  if (t2 > 0 && t2 <= 1) out.push(t2);
}

import { metresPerDegree } from '@fieldtrace/protocol';

/**
 * Where a segment crosses a boundary, as fractions t of the way from its first point to its second. Used to time a
 * fence crossing between two fixes (interpolated event time) and to find a fence passed through between sparse
 * fixes. Off the common path, so clarity beats speed here.
 */

/** Crossings of the segment (lon1, lat1)-(lon2, lat2) with each edge of a closed ring, appended unsorted, planar in lon/lat. */
export function segmentRingCrossings(
  lon1: number,
  lat1: number,
  lon2: number,
  lat2: number,
  ring: ReadonlyArray<readonly [number, number]>,
  out: number[],
): void {
  const dx = lon2 - lon1;
  const dy = lat2 - lat1;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j]!;
    const b = ring[i]!;
    const ex = b[0] - a[0];
    const ey = b[1] - a[1];
    const denom = dx * ey - dy * ex;
    if (denom === 0) continue; // parallel: touching along an edge is not a crossing
    const wx = a[0] - lon1;
    const wy = a[1] - lat1;
    const t = (wx * ey - wy * ex) / denom;
    const u = (wx * dy - wy * dx) / denom;
    // Half-open on the edge (u in [0, 1)) so a segment through a vertex counts once, as ray casting does.
    if (t > 0 && t <= 1 && u >= 0 && u < 1) out.push(t);
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

import { metresPerDegree } from '@fieldtrace/protocol';

type Ring = ReadonlyArray<readonly [number, number]>;

/**
 * Distance in metres from a point to the nearest edge of any ring ([lon, lat] pairs), holes included.
 * Vertices are projected onto a local flat-earth plane centred on the point (metres east/north), which is
 * accurate to well under a metre at the tens-of-metres scale hysteresis margins work at.
 * Returns as soon as an edge closer than `stopBelowM` is found (pass 0 for the exact minimum).
 */
export function nearestEdgeM(lat: number, lon: number, rings: ReadonlyArray<Ring>, stopBelowM = 0): number {
  const m = metresPerDegree(lat);
  const kx = m.lon;
  const ky = m.lat;
  let bestSq = Infinity;
  const stopSq = stopBelowM * stopBelowM;
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    const n = ring.length;
    if (n === 0) continue;
    const last = ring[n - 1]!;
    let ax = (last[0] - lon) * kx;
    let ay = (last[1] - lat) * ky;
    for (let i = 0; i < n; i++) {
      const cur = ring[i]!;
      const bx = (cur[0] - lon) * kx;
      const by = (cur[1] - lat) * ky;
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

/** Squared distance from (0, 0) to the segment a-b, all in metres. */
export function originToSegmentSq(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lenSq = dx * dx + dy * dy;
  // Parameter of the projection of the origin onto the line, clamped to the segment.
  let t = lenSq === 0 ? 0 : -(ax * dx + ay * dy) / lenSq;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const px = ax + t * dx;
  const py = ay + t * dy;
  return px * px + py * py;
}

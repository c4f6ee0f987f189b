import { metresPerDegree } from '@fieldtrace/protocol';
import { originToSegmentSq } from './edge-distance.js';

/**
 * Distance in metres from a point to an open polyline of [lon, lat] pairs, on a local flat-earth plane centred on
 * the point (as nearestEdgeM). Returns as soon as a segment closer than `stopBelowM` is found (0: the exact minimum).
 */
export function polylineDistanceM(lat: number, lon: number, path: ReadonlyArray<readonly [number, number]>, stopBelowM: number): number {
  const n = path.length;
  if (n === 0) return Infinity;
  const m = metresPerDegree(lat);
  const kx = m.lon;
  const ky = m.lat;
  const stopSq = stopBelowM * stopBelowM;
  let ax = (path[0]![0] - lon) * kx;
  let ay = (path[0]![1] - lat) * ky;
  let bestSq = ax * ax + ay * ay;
  for (let i = 1; i < n; i++) {
    const p = path[i]!;
    const bx = (p[0] - lon) * kx;
    const by = (p[1] - lat) * ky;
    const d = originToSegmentSq(ax, ay, bx, by);
    if (d < bestSq) {
      bestSq = d;
      if (bestSq < stopSq) break;
    }
    ax = bx;
    ay = by;
  }
  return Math.sqrt(bestSq);
}

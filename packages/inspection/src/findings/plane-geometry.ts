/** Planar polygon helpers on [east, north] metre pairs, for clustering footprints. */

export type Pt = readonly [number, number];

/** Signed area, m²: positive when the (open) ring runs counter-clockwise. */
export function signedArea(ring: ReadonlyArray<Pt>): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return s / 2;
}

/**
 * Convex hull, counter-clockwise, open (first point not repeated), collinear points dropped: Andrew's monotone
 * chain, O(n log n). Collinear input gives its two ends, identical points that one point.
 */
export function convexHull(points: ReadonlyArray<Pt>): Pt[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return dedupe(pts);
  const lower: Pt[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && turn(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Pt[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && turn(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  const hull = lower.concat(upper);
  return hull.length > 0 ? hull : dedupe(pts); // all points equal: that one point
}

/**
 * Whether two convex polygons (open rings, either winding) overlap or touch: separating-axis test over both
 * polygons' edge normals. A georeferenced box footprint is convex — a rectangle seen through a pinhole onto a plane
 * it lies wholly in front of — so this is exact for them.
 */
export function convexOverlap(a: ReadonlyArray<Pt>, b: ReadonlyArray<Pt>): boolean {
  return !separatedAlongEdges(a, b) && !separatedAlongEdges(b, a);
}

/** Drop vertices with the smallest triangle (Visvalingam) until at most `max` remain: keeps a convex ring convex. */
export function simplifyRing(ring: ReadonlyArray<Pt>, max: number): Pt[] {
  const out = [...ring];
  while (out.length > max && out.length > 3) {
    let best = 0;
    let bestArea = Infinity;
    for (let i = 0; i < out.length; i++) {
      const a = Math.abs(turn(out[(i + out.length - 1) % out.length]!, out[i]!, out[(i + 1) % out.length]!));
      if (a < bestArea) {
        bestArea = a;
        best = i;
      }
    }
    out.splice(best, 1);
  }
  return out;
}

function separatedAlongEdges(a: ReadonlyArray<Pt>, b: ReadonlyArray<Pt>): boolean {
  for (let i = 0, j = a.length - 1; i < a.length; j = i++) {
    const nx = a[i]![1] - a[j]![1];
    const ny = a[j]![0] - a[i]![0];
    if (nx === 0 && ny === 0) continue;
    let minA = Infinity;
    let maxA = -Infinity;
    for (const p of a) {
      const d = p[0] * nx + p[1] * ny;
      if (d < minA) minA = d;
      if (d > maxA) maxA = d;
    }
    let minB = Infinity;
    let maxB = -Infinity;
    for (const p of b) {
      const d = p[0] * nx + p[1] * ny;
      if (d < minB) minB = d;
      if (d > maxB) maxB = d;
    }
    if (maxA < minB || maxB < minA) return true;
  }
  return false;
}

/** Twice the signed area of triangle o-a-b: > 0 for a left (counter-clockwise) turn. */
function turn(o: Pt, a: Pt, b: Pt): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function dedupe(sorted: ReadonlyArray<Pt>): Pt[] {
  const out: Pt[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

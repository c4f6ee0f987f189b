import type { Finding, GroundDetection } from '../types.js';
import { localFrame, type LocalFrame } from '../camera/local-frame.js';
import { convexHull, signedArea, simplifyRing, type Pt } from './plane-geometry.js';
import { isOutsideRoof } from './roof.js';
import { severityOf } from './severity.js';

export interface ClusterOptions {
  /** The site's roof outline, [lon, lat] ring: findings whose centre is outside it are flagged `outsideRoof`. */
  roofOutline?: Array<[number, number]>;
  /**
   * Centres closer than this (m) belong to the same damage. Default per pair: max(0.5 m, half the diagonal of the
   * smaller footprint) — the georeferencing error budget of an RTK drone at 30 m (≤ 0.5 m at nadir, see
   * camera/georef.test.ts) or the size of the damage itself, whichever is larger.
   */
  mergeRadiusM?: number;
  /** Finding ids are `${idPrefix}-${n}`, n from 1. Default `f`. */
  idPrefix?: string;
}

/** Default floor of the merge radius, m. */
export const MIN_MERGE_RADIUS_M = 0.5;
/** Combined confidence stays below 1: many weak views make a strong finding, never a certain one. */
export const MAX_CONFIDENCE = 0.999;
/** A Finding's footprint ring holds at most 64 positions (protocol schema), the closing one included. */
const MAX_RING_VERTICES = 63;

interface Member {
  det: GroundDetection;
  e: number;
  n: number;
  /** Footprint vertices in metres, open ring. */
  ring: Pt[];
  /** Largest distance from the centre to a footprint vertex: beyond twice this, footprints cannot touch. */
  reach: number;
  halfDiagonal: number;
}

/**
 * Merge detections of the same class, seen from overlapping images, into findings.
 *
 * Two detections join when their centres are within the merge radius or one's centre lies inside the other's footprint;
 * joining is transitive (union-find), so a chain of overlapping views becomes one finding. Per finding:
 * - position: confidence-weighted mean of the member centres;
 * - footprint: convex hull of all member footprints, [lon, lat], counter-clockwise, closed; `areaM2` its area;
 * - views: one per image, the most confident detection in it, sorted by image id;
 * - confidence: 1 − Π(1 − cᵢ) over the views (images are independent evidence; two boxes in one image are not),
 *   capped at 0.999;
 * - severity: see severity.ts; `outsideRoof`: see roof.ts.
 * The result does not depend on the input order: detections are put in a canonical order first, and findings are
 * numbered north to south, then west to east (then by class).
 */
export function clusterFindings(dets: GroundDetection[], opts: ClusterOptions = {}): Finding[] {
  if (dets.length === 0) return [];
  const sorted = [...dets].sort(canonical);
  const frame = localFrame(mean(sorted, (d) => d.lat), mean(sorted, (d) => d.lon));
  const members = sorted.map((d) => toMember(d, frame));

  const parent = members.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb); // lowest index is the root: deterministic
  };

  // Sweep along east per class: only pairs within `window` metres of each other east-west can join.
  const byClass = new Map<string, number[]>();
  members.forEach((m, i) => {
    const list = byClass.get(m.det.className);
    if (list) list.push(i);
    else byClass.set(m.det.className, [i]);
  });
  for (const idx of byClass.values()) {
    let window = opts.mergeRadiusM ?? MIN_MERGE_RADIUS_M;
    for (const i of idx) window = Math.max(window, 2 * members[i]!.reach, members[i]!.halfDiagonal);
    const order = [...idx].sort((a, b) => members[a]!.e - members[b]!.e || a - b);
    for (let x = 0; x < order.length; x++) {
      const a = members[order[x]!]!;
      for (let y = x + 1; y < order.length; y++) {
        const b = members[order[y]!]!;
        if (b.e - a.e > window) break;
        if (joins(a, b, opts.mergeRadiusM)) union(order[x]!, order[y]!);
      }
    }
  }

  const groups = new Map<number, Member[]>();
  members.forEach((m, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(m);
    else groups.set(root, [m]);
  });

  // Number north to south, then west to east, on centimetre-rounded positions so that findings level with each
  // other are ordered by east rather than by rounding noise in their latitudes.
  const placed = [...groups.values()].map((g) => toFinding(g, frame, opts.roofOutline));
  placed.sort(
    (a, b) =>
      Math.round(b.n * 100) - Math.round(a.n * 100) ||
      Math.round(a.e * 100) - Math.round(b.e * 100) ||
      compare(a.finding.className, b.finding.className) ||
      b.n - a.n ||
      a.e - b.e,
  );
  const prefix = opts.idPrefix ?? 'f';
  return placed.map(({ finding }, i) => ({ ...finding, id: `${prefix}-${i + 1}` }));
}

function joins(a: Member, b: Member, mergeRadiusM: number | undefined): boolean {
  const d = Math.hypot(a.e - b.e, a.n - b.n);
  const radius = mergeRadiusM ?? Math.max(MIN_MERGE_RADIUS_M, Math.min(a.halfDiagonal, b.halfDiagonal));
  if (d <= radius) return true;
  // Footprints that merely touch do not join: neighbouring boxes of a patch classifier would chain a whole roof of
  // scattered marks into one finding. One centre inside the other's footprint means the same damage.
  return d <= Math.max(a.reach, b.reach) && (insideRing(a.ring, b.e, b.n) || insideRing(b.ring, a.e, a.n));
}

/** Ray casting: is (e, n) inside the ring (open or closed, either orientation)? */
function insideRing(ring: readonly Pt[], e: number, n: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ei, ni] = ring[i]!;
    const [ej, nj] = ring[j]!;
    if (ni > n !== nj > n && e < ((ej - ei) * (n - ni)) / (nj - ni) + ei) inside = !inside;
  }
  return inside;
}

function toMember(det: GroundDetection, frame: LocalFrame): Member {
  const [e, n] = frame.toEastNorth(det.lat, det.lon);
  const fp = det.footprint;
  const closed = fp.length > 1 && fp[0]![0] === fp[fp.length - 1]![0] && fp[0]![1] === fp[fp.length - 1]![1];
  const ring = (closed ? fp.slice(0, -1) : fp).map(([lon, lat]) => frame.toEastNorth(lat, lon));
  let reach = 0;
  for (const p of ring) reach = Math.max(reach, Math.hypot(p[0] - e, p[1] - n));
  // A box footprint has 4 corners: its diagonals join opposite ones. Other rings: the widest vertex pair.
  let diagonal = 0;
  if (ring.length === 4) {
    diagonal = Math.max(dist(ring[0]!, ring[2]!), dist(ring[1]!, ring[3]!));
  } else {
    for (let i = 0; i < ring.length; i++) for (let j = i + 1; j < ring.length; j++) diagonal = Math.max(diagonal, dist(ring[i]!, ring[j]!));
  }
  return { det, e, n, ring, reach, halfDiagonal: diagonal / 2 };
}

function toFinding(
  group: Member[],
  frame: LocalFrame,
  roofOutline: ClusterOptions['roofOutline'],
): { finding: Finding; e: number; n: number } {
  let w = 0;
  let se = 0;
  let sn = 0;
  for (const m of group) {
    w += m.det.confidence;
    se += m.det.confidence * m.e;
    sn += m.det.confidence * m.n;
  }
  // All-zero confidences (a permissive threshold) fall back to the plain mean.
  const [e, n] = w > 0 ? [se / w, sn / w] : [mean(group, (m) => m.e), mean(group, (m) => m.n)];
  const [lat, lon] = frame.toLatLon(e, n);

  let hull = convexHull(group.flatMap((m) => m.ring));
  if (hull.length > MAX_RING_VERTICES) hull = simplifyRing(hull, MAX_RING_VERTICES);
  const footprint = hull.map(([he, hn]): [number, number] => {
    const [hlat, hlon] = frame.toLatLon(he, hn);
    return [hlon, hlat];
  });
  while (footprint.length < 3 && footprint.length > 0) footprint.push(footprint[footprint.length - 1]!); // degenerate: a point or a line
  footprint.push(footprint[0]!);
  const areaM2 = hull.length >= 3 ? Math.abs(signedArea(hull)) : 0;

  const best = new Map<string, GroundDetection>();
  for (const m of group) {
    const cur = best.get(m.det.imageId);
    if (!cur || m.det.confidence > cur.confidence) best.set(m.det.imageId, m.det);
  }
  const views = [...best.values()]
    .sort((a, b) => compare(a.imageId, b.imageId))
    .map((d) => ({ imageId: d.imageId, box: { ...d.box }, confidence: d.confidence }));
  let miss = 1;
  for (const v of views) miss *= 1 - v.confidence;
  const confidence = Math.min(MAX_CONFIDENCE, 1 - miss);
  const className = group[0]!.det.className;

  const finding: Finding = {
    id: '',
    className,
    severity: severityOf({ className, areaM2, views: views.length, confidence }),
    confidence,
    lat,
    lon,
    footprint,
    areaM2,
    outsideRoof: isOutsideRoof(lat, lon, roofOutline),
    views,
  };
  return { finding, e, n };
}

/** A total order on detections that does not depend on how they arrived. */
function canonical(a: GroundDetection, b: GroundDetection): number {
  return (
    compare(a.className, b.className) ||
    compare(a.imageId, b.imageId) ||
    a.box.x1 - b.box.x1 ||
    a.box.y1 - b.box.y1 ||
    a.box.x2 - b.box.x2 ||
    a.box.y2 - b.box.y2 ||
    b.confidence - a.confidence ||
    a.lat - b.lat ||
    a.lon - b.lon
  );
}

/** Code-unit order, not locale order: the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mean<T>(xs: ReadonlyArray<T>, f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s / xs.length;
}

function dist(a: Pt, b: Pt): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

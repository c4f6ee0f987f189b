import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CameraIntrinsics, CapturePose, GroundDetection } from '../types.js';
import { georeference, groundToPixel } from '../camera/georef.js';
import { localFrame } from '../camera/local-frame.js';
import { clusterFindings } from './cluster.js';
import { severityOf } from './severity.js';
import { convexHull, convexOverlap, signedArea } from './plane-geometry.js';

const LAT = 53.4084;
const LON = -2.9916;
const FRAME = localFrame(LAT, LON);
const CAM: CameraIntrinsics = { width: 5472, height: 3648, fx: 3648, fy: 3648, cx: 2736, cy: 1824 };
const ROOF_M = 5;

function at(e: number, n: number): { lat: number; lon: number } {
  const [lat, lon] = FRAME.toLatLon(e, n);
  return { lat, lon };
}

function lonLatRing(pts: Array<[number, number]>): Array<[number, number]> {
  const ring = pts.map(([e, n]): [number, number] => {
    const p = at(e, n);
    return [p.lon, p.lat];
  });
  ring.push(ring[0]!);
  return ring;
}

let boxSeq = 0;
/** A detection with a square footprint of `sizeM` centred `e`, `n` metres from the origin. */
function square(imageId: string, className: string, confidence: number, e: number, n: number, sizeM: number): GroundDetection {
  const h = sizeM / 2;
  const x = 100 * ++boxSeq;
  return {
    box: { x1: x, y1: 100, x2: x + 50, y2: 150 },
    classId: 1,
    className,
    confidence,
    imageId,
    ...at(e, n),
    footprint: lonLatRing([[e - h, n - h], [e + h, n - h], [e + h, n + h], [e - h, n + h]]),
    areaM2: sizeM * sizeM,
    gsdM: 0.008,
  };
}

/** Georeference a hail mark at (e, n) on the roof as a nadir camera 30 m above the roof at (camE, camN) would see it. */
function seen(imageId: string, camE: number, camN: number, e: number, n: number, confidence: number, yaw = 0): GroundDetection {
  const pose: CapturePose = { ts: 0, ...at(camE, camN), altRel: 35, yaw };
  const mark = at(e, n);
  const px = groundToPixel(CAM, pose, mark.lat, mark.lon, ROOF_M)!;
  // A 12 cm mark ≈ 15 px; pretend the detector boxed it a couple of pixels off-centre.
  const box = { x1: px.u - 6, y1: px.v - 9, x2: px.u + 9, y2: px.v + 6 };
  return georeference({ box, classId: 1, className: 'hail', confidence }, imageId, CAM, pose, ROOF_M)!;
}

function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const [ae, an] = FRAME.toEastNorth(a.lat, a.lon);
  const [be, bn] = FRAME.toEastNorth(b.lat, b.lon);
  return Math.hypot(ae - be, an - bn);
}

test('two overlapping views of the same hail mark make one finding with two views', () => {
  const a = seen('img-1', -4, 2, 1, 1, 0.7);
  const b = seen('img-2', 3, -1, 1, 1, 0.6, 37);
  const findings = clusterFindings([a, b]);
  assert.equal(findings.length, 1);
  const f = findings[0]!;
  assert.equal(f.id, 'f-1');
  assert.equal(f.className, 'hail');
  assert.deepEqual(f.views.map((v) => v.imageId), ['img-1', 'img-2']);
  assert.deepEqual(f.views[0]!.box, a.box);
  assert.ok(Math.abs(f.confidence - (1 - 0.3 * 0.4)) < 1e-12);
  assert.ok(metresBetween(f, at(1, 1)) < 0.02, 'centre on the mark');
  assert.equal(f.outsideRoof, false, 'no roof outline: never outside');
  assert.equal(f.severity, 'low');
  assert.deepEqual(f.footprint[0], f.footprint[f.footprint.length - 1]);
  assert.ok(f.areaM2 >= Math.max(a.areaM2, b.areaM2));
});

test('the position is the confidence-weighted mean of the views', () => {
  const f = clusterFindings([square('a', 'hail', 0.9, 0, 0, 0.2), square('b', 'hail', 0.3, 0.4, 0, 0.2)]);
  assert.equal(f.length, 1, 'centres 0.4 m apart: within the 0.5 m floor');
  const [e, n] = FRAME.toEastNorth(f[0]!.lat, f[0]!.lon);
  assert.ok(Math.abs(e - 0.1) < 1e-6 && Math.abs(n) < 1e-6, `${e},${n}`);
});

test('different classes at the same spot stay apart', () => {
  const f = clusterFindings([square('a', 'hail', 0.8, 0, 0, 0.3), square('a', 'missing_shingle', 0.8, 0, 0, 0.3)]);
  assert.equal(f.length, 2);
  assert.deepEqual(f.map((x) => x.className).sort(), ['hail', 'missing_shingle']);
  assert.equal(f.find((x) => x.className === 'missing_shingle')!.severity, 'high');
});

test('a detection 3 m away is separate damage', () => {
  const f = clusterFindings([seen('img-1', 0, 0, 0, 0, 0.8), seen('img-2', 1, 1, 3, 0, 0.8)]);
  assert.equal(f.length, 2);
  assert.ok(f.every((x) => x.views.length === 1));
  // Unless the caller widens the merge radius.
  assert.equal(clusterFindings([seen('img-1', 0, 0, 0, 0, 0.8), seen('img-2', 1, 1, 3, 0, 0.8)], { mergeRadiusM: 3.5 }).length, 1);
});

test('footprints that only overlap stay apart; a centre inside the other footprint joins, transitively', () => {
  // 2 m squares with centres 1.8 m apart: overlapping, but beyond the √2 m half-diagonal and neither centre inside the
  // other — two marks side by side (a patch classifier's neighbouring boxes must not chain a roof into one finding).
  const apart = clusterFindings([square('a', 'lifted_shingle', 0.6, 0, 0, 2), square('b', 'lifted_shingle', 0.6, 1.8, 0, 2)]);
  assert.equal(apart.length, 2);
  // A 4 m box holding the centres of two small boxes 1.5 m off its centre (beyond the 0.5 m radius): one finding.
  const big = square('wide', 'lifted_shingle', 0.7, 0, 0, 4);
  const f = clusterFindings([big, square('n1', 'lifted_shingle', 0.6, 1.5, 0, 0.4), square('n2', 'lifted_shingle', 0.6, -1.5, 0, 0.4)]);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.views.length, 3);
  assert.equal(f[0]!.severity, 'medium');
  assert.ok(Math.abs(f[0]!.areaM2 - 16) < 1e-3, `hull of the three is the 4 m square: ${f[0]!.areaM2}`);
});

test('a finding’s area is the convex hull of its members’ footprints', () => {
  // Two 1 m squares, one shifted 0.5 m east and 0.5 m north: hull = 2.25 − 2·(½·0.5·0.5) = 2 m².
  const f = clusterFindings([square('a', 'hail', 0.5, 0, 0, 1), square('b', 'hail', 0.5, 0.5, 0.5, 1)]);
  assert.equal(f.length, 1);
  assert.ok(Math.abs(f[0]!.areaM2 - 2) < 1e-3, `${f[0]!.areaM2}`);
  assert.equal(f[0]!.footprint.length, 7, 'six hull corners + closing point');
  assert.equal(f[0]!.severity, 'high', 'hail over 1 m²');
  // Counter-clockwise on lon/lat.
  assert.ok(signedArea(f[0]!.footprint.slice(0, -1)) > 0);
});

test('one view per image: the most confident, and only images count as independent evidence', () => {
  const f = clusterFindings([
    square('img-1', 'hail', 0.5, 0, 0, 0.2),
    square('img-1', 'hail', 0.8, 0.1, 0, 0.2),
    square('img-2', 'hail', 0.5, 0.05, 0.05, 0.2),
  ]);
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.views.map((v) => [v.imageId, v.confidence]), [['img-1', 0.8], ['img-2', 0.5]]);
  assert.ok(Math.abs(f[0]!.confidence - (1 - 0.2 * 0.5)) < 1e-12);
  // Many confident views never make it certain.
  const many = clusterFindings(['a', 'b', 'c', 'd'].map((id) => square(id, 'hail', 0.99, 0, 0, 0.2)));
  assert.equal(many[0]!.confidence, 0.999);
  assert.equal(many[0]!.severity, 'medium', 'seen in ≥ 3 images');
});

test('a finding outside the roof outline is flagged, inside is not', () => {
  const roof = lonLatRing([[-5, -5], [5, -5], [5, 5], [-5, 5]]);
  const f = clusterFindings([square('a', 'hail', 0.8, 0, 0, 0.2), square('a', 'hail', 0.8, 8, 0, 0.2)], { roofOutline: roof });
  assert.equal(f.length, 2);
  const inside = f.find((x) => metresBetween(x, at(0, 0)) < 0.01)!;
  const outside = f.find((x) => metresBetween(x, at(8, 0)) < 0.01)!;
  assert.equal(inside.outsideRoof, false);
  assert.equal(outside.outsideRoof, true);
});

test('ids run north to south then west to east, with the prefix, whatever the input order', () => {
  const dets = [
    square('a', 'hail', 0.8, 0, -10, 0.2),
    square('b', 'hail', 0.8, -5, 10, 0.2),
    square('c', 'hail', 0.8, 5, 10, 0.2),
    square('d', 'lifted_shingle', 0.7, 5, 10.1, 0.5),
    square('e', 'hail', 0.6, 0.1, -10, 0.2),
  ];
  const f = clusterFindings(dets, { idPrefix: 'insp7' });
  assert.deepEqual(f.map((x) => [x.id, x.className, x.views.length]), [
    ['insp7-1', 'lifted_shingle', 1],
    ['insp7-2', 'hail', 1],
    ['insp7-3', 'hail', 1],
    ['insp7-4', 'hail', 2],
  ]);
  assert.ok(metresBetween(f[1]!, at(-5, 10)) < 0.01);
  assert.deepEqual(clusterFindings([...dets].reverse(), { idPrefix: 'insp7' }), f);
  assert.deepEqual(clusterFindings([dets[3]!, dets[0]!, dets[4]!, dets[2]!, dets[1]!], { idPrefix: 'insp7' }), f);
  assert.deepEqual(clusterFindings([]), []);
});

test('severity rule', () => {
  const s = (className: string, areaM2: number, views: number, confidence: number) => severityOf({ className, areaM2, views, confidence });
  assert.equal(s('missing_shingle', 0.1, 1, 0.5), 'high');
  assert.equal(s('Missing-Shingle', 0.1, 1, 0.5), 'high');
  assert.equal(s('lifted_shingle', 5, 4, 0.99), 'medium');
  assert.equal(s('hail', 0.05, 2, 0.9), 'low');
  assert.equal(s('hail', 0.05, 3, 0.9), 'medium');
  assert.equal(s('hail', 0.2, 1, 0.9), 'medium');
  assert.equal(s('hail_damage', 1.2, 1, 0.9), 'high');
  assert.equal(s('moss', 10, 5, 0.95), 'medium');
  assert.equal(s('moss', 10, 5, 0.7), 'low');
});

test('plane geometry: hull and overlap', () => {
  const hull = convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 0]]);
  assert.equal(hull.length, 4, 'interior and collinear points dropped');
  assert.equal(signedArea(hull), 4);
  const sq = (x: number, y: number): Array<[number, number]> => [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1]];
  assert.equal(convexOverlap(sq(0, 0), sq(0.5, 0.5)), true);
  assert.equal(convexOverlap(sq(0, 0), sq(1, 0)), true, 'touching');
  assert.equal(convexOverlap(sq(0, 0), sq(1.01, 0)), false);
  // A diamond beside a square's corner: the bounding boxes overlap but the shapes do not.
  assert.equal(convexOverlap(sq(0, 0), [[1.6, 1], [2.2, 1.6], [1.6, 2.2], [1, 1.6]]), false);
});

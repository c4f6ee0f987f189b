import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CameraIntrinsics, CapturePose, Detection } from '../types.js';
import { distortPixel, intrinsicsFromProfile, scaleIntrinsics, undistortPixel } from './intrinsics.js';
import { georeference, groundToPixel, gsdAt, pixelToGround, placeCamera } from './georef.js';
import { axesForPose, enuAt, project, ray, type Vec3 } from './test-oracle.js';

// The shipped 20 MP survey camera (5472×3648, f 3648 px).
const PROFILE = JSON.parse(
  readFileSync(new URL('../../../../firmware-configs/ground-station-default.json', import.meta.url), 'utf8'),
) as { camera: Parameters<typeof intrinsicsFromProfile>[0] };
const CAM = intrinsicsFromProfile(PROFILE.camera);

const LAT = 53.4084; // Liverpool
const LON = -2.9916;
/** Ellipsoidal height of the home point: any value; the oracle works in ECEF, georef.ts relative to home. */
const HOME_H = 47;
const ROOF_M = 5;
const ALT_M = 35; // 30 m above the roof

function pose(extra: Partial<CapturePose> = {}): CapturePose {
  return { ts: 0, lat: LAT, lon: LON, altRel: ALT_M, ...extra };
}

interface Truth {
  lat: number;
  lon: number;
  /** The pixel the oracle sees it at, quantised to the centre of the pixel it falls in. */
  u: number;
  v: number;
}

/** Ground points on the roof plane seen at a 5×5 grid of pixels reaching the image's corner pixels. */
function truthGrid(cam: CameraIntrinsics, p: CapturePose, quantise: boolean): Truth[] {
  const axes = axesForPose(p);
  const enu = enuAt(p.lat, p.lon, HOME_H + p.altRel);
  const out: Truth[] = [];
  for (const fu of [0, 0.25, 0.5, 0.75, 1]) {
    for (const fv of [0, 0.25, 0.5, 0.75, 1]) {
      // Aim at the centre of an edge/corner pixel; the point found is then re-projected as the test's observation.
      const d = ray(cam, axes, 0.5 + fu * (cam.width - 1), 0.5 + fv * (cam.height - 1));
      const t = (ROOF_M - p.altRel) / d[2];
      assert.ok(t > 0, 'grid pixel above the horizon');
      const g = enu.fromEnu(t * d[0], t * d[1], t * d[2]);
      const seen = observe(cam, p, g.lat, g.lon, quantise);
      assert.ok(seen, 'grid point behind the camera');
      out.push(seen);
    }
  }
  return out;
}

/** Ground points on a 1 m grid over the roof plane, kept where the oracle sees them inside the image. */
function truthScatter(cam: CameraIntrinsics, p: CapturePose, quantise: boolean): Truth[] {
  const enu = enuAt(p.lat, p.lon, HOME_H + p.altRel);
  const out: Truth[] = [];
  for (let e = -40; e <= 40; e += 1) {
    for (let n = -40; n <= 40; n += 1) {
      const g = enu.fromEnu(e, n, ROOF_M - p.altRel);
      const t = observe(cam, p, g.lat, g.lon, quantise);
      if (!t || t.u < 0 || t.u >= cam.width || t.v < 0 || t.v >= cam.height) continue;
      // A polynomial lens model folds back on itself far outside the field of view: points whose ideal (pinhole)
      // pixel is way off the sensor can land inside it. No real lens sees them; skip.
      const ideal = observe({ ...cam, distortion: undefined }, p, g.lat, g.lon, false)!;
      if (Math.abs(ideal.u - cam.cx) < 0.6 * cam.width && Math.abs(ideal.v - cam.cy) < 0.6 * cam.height) out.push(t);
    }
  }
  return out;
}

function observe(cam: CameraIntrinsics, p: CapturePose, lat: number, lon: number, quantise: boolean): Truth | null {
  const enu = enuAt(p.lat, p.lon, HOME_H + p.altRel);
  const px = project(cam, axesForPose(p), enu.toEnu(lat, lon, HOME_H + ROOF_M));
  if (!px) return null;
  const q = (x: number, max: number): number => (quantise ? Math.min(Math.floor(x), max - 1) + 0.5 : x);
  return { lat, lon, u: q(px.u, cam.width), v: q(px.v, cam.height) };
}

/** Horizontal distance between two lat/lons, exact (ECEF). */
function distM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const [e, n] = enuAt(lat1, lon1, HOME_H + ROOF_M).toEnu(lat2, lon2, HOME_H + ROOF_M);
  return Math.hypot(e, n);
}

/** The worst horizontal error over the truth points, georeferencing with `seen` (the pose as the drone reports it). */
function worstError(cam: CameraIntrinsics, seen: CapturePose, truths: Truth[]): number {
  const placed = placeCamera(cam, seen);
  let worst = 0;
  for (const t of truths) {
    const g = placed.toGround(t.u, t.v, ROOF_M);
    assert.ok(g, `pixel ${t.u},${t.v} missed the plane`);
    worst = Math.max(worst, distM(t.lat, t.lon, g.lat, g.lon));
  }
  return worst;
}

const NADIR_CASES: Array<[string, Partial<CapturePose>]> = [
  ['nadir, heading north', {}],
  ['nadir, heading 37°', { yaw: 37, gimbalPitch: -90 }],
  ['nadir, hard mount, roll 4° pitch −6° heading 37°', { yaw: 37, pitch: -6, roll: 4, gimbalPitch: -90, gimbalStabilised: false }],
];
const OBLIQUE_CASES: Array<[string, Partial<CapturePose>]> = [
  ['30° off nadir, heading 37°', { yaw: 37, gimbalPitch: -60 }],
  ['30° off nadir, gimbal yaw relative +20° at heading 37°', { yaw: 37, gimbalPitch: -60, gimbalYaw: 20 }],
  ['30° off nadir, absolute gimbal yaw 250° at heading 37°', { yaw: 37, gimbalPitch: -60, gimbalYaw: 250, gimbalYawIsAbsolute: true }],
  ['30° off nadir, hard mount, roll −3° pitch 5° heading 37°', { yaw: 37, pitch: 5, roll: -3, gimbalPitch: -60, gimbalStabilised: false }],
];

test('with an exact pose, pixel → ground lands on the oracle’s point within 1 mm, anywhere in the frame', () => {
  for (const [name, extra] of [...NADIR_CASES, ...OBLIQUE_CASES]) {
    const p = pose(extra);
    const worst = worstError(CAM, p, truthGrid(CAM, p, false));
    assert.ok(worst < 0.001, `${name}: ${worst} m`);
  }
});

test('with an exact pose and whole-pixel observations the round trip is within 1 cm at nadir', () => {
  for (const [name, extra] of NADIR_CASES) {
    const p = pose(extra);
    const worst = worstError(CAM, p, truthGrid(CAM, p, true));
    assert.ok(worst < 0.01, `${name}: ${worst} m`);
  }
});

test('ground → pixel is the inverse of pixel → ground', () => {
  for (const [name, extra] of [...NADIR_CASES, ...OBLIQUE_CASES]) {
    const p = pose(extra);
    for (const t of truthGrid(CAM, p, false)) {
      const g = pixelToGround(CAM, p, t.u, t.v, ROOF_M)!;
      const px = groundToPixel(CAM, p, g.lat, g.lon, ROOF_M);
      assert.ok(px);
      assert.ok(Math.hypot(px.u - t.u, px.v - t.v) < 1e-6, `${name}: ${px.u},${px.v} vs ${t.u},${t.v}`);
    }
  }
});

/**
 * The pose error budget of an RTK survey drone with a stabilised gimbal: horizontal position ±5 cm (RTK fix is
 * 1–2 cm + 1 ppm), relative altitude ±10 cm, heading ±0.2°, camera pitch and roll ±0.1° (gimbal IMU; the body's
 * attitude for a hard mount). Every sign combination at full size is tried: a worst case, not a 1σ figure.
 * (A non-RTK drone's ±1 m GNSS alone would exceed the nadir target; its errors are a shift shared by the images
 * of one pass, which clustering tolerates, but no absolute target can absorb them.)
 */
const BUDGET = { horizontalM: 0.05, altM: 0.1, yawDeg: 0.2, tiltDeg: 0.1 };

function* perturbedPoses(p: CapturePose): Generator<CapturePose> {
  const enu = enuAt(p.lat, p.lon, HOME_H + p.altRel);
  for (let mask = 0; mask < 64; mask++) {
    const s = (bit: number): number => ((mask >> bit) & 1 ? 1 : -1);
    const moved = enu.fromEnu(s(0) * BUDGET.horizontalM, s(1) * BUDGET.horizontalM, 0);
    const q: CapturePose = { ...p, lat: moved.lat, lon: moved.lon, altRel: p.altRel + s(2) * BUDGET.altM };
    if (p.gimbalYawIsAbsolute) q.gimbalYaw = (p.gimbalYaw ?? 0) + s(3) * BUDGET.yawDeg;
    else q.yaw = (p.yaw ?? 0) + s(3) * BUDGET.yawDeg;
    if (p.gimbalStabilised === false) {
      q.pitch = (p.pitch ?? 0) + s(4) * BUDGET.tiltDeg;
      q.roll = (p.roll ?? 0) + s(5) * BUDGET.tiltDeg;
    } else {
      q.gimbalPitch = (p.gimbalPitch ?? -90) + s(4) * BUDGET.tiltDeg;
      q.gimbalRoll = s(5) * BUDGET.tiltDeg;
    }
    yield q;
  }
}

function worstUnderBudget(cam: CameraIntrinsics, p: CapturePose, truths: Truth[]): number {
  let worst = 0;
  for (const q of perturbedPoses(p)) worst = Math.max(worst, worstError(cam, q, truths));
  return worst;
}

test('acceptance: within 0.5 m on a nadir camera 30 m above the roof, 20 MP, whole frame, worst-case pose budget', (t) => {
  for (const [name, extra] of NADIR_CASES) {
    const p = pose(extra);
    const worst = worstUnderBudget(CAM, p, truthGrid(CAM, p, true));
    t.diagnostic(`${name}: worst ${worst.toFixed(3)} m`);
    assert.ok(worst < 0.5, `${name}: ${worst} m`);
  }
});

test('acceptance: within 1.5 m at a 30° gimbal pitch (−60°), 20 MP, whole frame, worst-case pose budget', (t) => {
  for (const [name, extra] of OBLIQUE_CASES) {
    const p = pose(extra);
    const worst = worstUnderBudget(CAM, p, truthGrid(CAM, p, true));
    t.diagnostic(`${name}: worst ${worst.toFixed(3)} m`);
    assert.ok(worst < 1.5, `${name}: ${worst} m`);
  }
});

test('lens distortion is undone before casting the ray', () => {
  const cam: CameraIntrinsics = { ...CAM, distortion: { k1: -0.12, k2: 0.05, k3: -0.01, p1: 0.001, p2: -0.0008 } };
  for (const [name, extra] of [NADIR_CASES[1]!, OBLIQUE_CASES[0]!]) {
    const p = pose(extra);
    const truths = truthScatter(cam, p, false);
    assert.ok(truths.length > 200, `${name}: ${truths.length} points`);
    assert.ok(worstError(cam, p, truths) < 0.001, name);
    // And ignoring the distortion would be wrong by metres at the edges: the test has teeth.
    assert.ok(worstError(CAM, p, truths) > 0.5, name);
  }
});

// Plain physics, independent of any rotation code: where does the centre of the picture land?
test('conventions: heading, gimbal pitch, hard-mount nose up and right wing down', () => {
  const h = ALT_M - ROOF_M;
  const tan10 = Math.tan(10 * Math.PI / 180);
  const centre = (extra: Partial<CapturePose>) => pixelToGround(CAM, pose(extra), CAM.cx, CAM.cy, ROOF_M)!;
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

  let g = centre({});
  near(g.east, 0, 'nadir east');
  near(g.north, 0, 'nadir north');
  // Missing gimbal angles default to nadir; a stabilised gimbal ignores the body's tilt.
  g = centre({ pitch: 10, roll: 10 });
  near(Math.hypot(g.east, g.north), 0, 'stabilised nadir');
  // Hard mount, nose up 10°: the belly turns to face forward, so a belly camera looks ahead (north when heading north).
  g = centre({ pitch: 10, gimbalStabilised: false });
  near(g.north, h * tan10, 'nose up');
  near(g.east, 0, 'nose up east');
  // Hard mount, right wing down 10°: the top of the airframe tilts right, the belly camera looks left (west).
  g = centre({ roll: 10, gimbalStabilised: false });
  near(g.east, -h * tan10, 'right wing down');
  // Gimbal −60 at heading 90: the centre is 30 m / tan 60° east.
  g = centre({ yaw: 90, gimbalPitch: -60 });
  near(g.east, h / Math.tan(Math.PI / 3), 'oblique east');
  near(g.north, 0, 'oblique north');
  // At nadir the top of the image points along the heading.
  const top = pixelToGround(CAM, pose({ yaw: 90 }), CAM.cx, 0, ROOF_M)!;
  near(top.north, 0, 'top of image, north');
  near(top.east, (h * CAM.cy) / CAM.fy, 'top of image, east');
  const right = pixelToGround(CAM, pose({ yaw: 0 }), CAM.width, CAM.cy, ROOF_M)!;
  near(right.east, (h * CAM.cx) / CAM.fx, 'right of image is east when heading north');
});

test('a box of 100×100 px at the centre of a nadir image 30 m up covers (100·30/3648)² m²', () => {
  const det: Detection = { box: { x1: 2686, y1: 1774, x2: 2786, y2: 1874 }, classId: 1, className: 'hail', confidence: 0.8 };
  const g = georeference(det, 'img-1', CAM, pose({ yaw: 37 }), ROOF_M);
  assert.ok(g);
  const expected = ((100 * 30) / 3648) ** 2;
  assert.ok(Math.abs(g.areaM2 - expected) / expected < 1e-3, `${g.areaM2} vs ${expected}`);
  assert.ok(Math.abs(g.gsdM - 30 / 3648) < 1e-7, `gsd ${g.gsdM}`);
  assert.equal(g.footprint.length, 5);
  assert.deepEqual(g.footprint[0], g.footprint[4]);
  // Counter-clockwise ring (RFC 7946): positive shoelace on lon/lat.
  let s = 0;
  for (let i = 0; i < 4; i++) s += g.footprint[i]![0] * g.footprint[i + 1]![1] - g.footprint[i + 1]![0] * g.footprint[i]![1];
  assert.ok(s > 0);
  assert.equal(g.imageId, 'img-1');
  assert.equal(g.className, 'hail');
  assert.equal(g.confidence, 0.8);
  const c = pixelToGround(CAM, pose({ yaw: 37 }), 2736, 1824, ROOF_M)!;
  assert.equal(g.lat, c.lat);
  assert.equal(g.lon, c.lon);
});

test('gsd grows with range and obliquity', () => {
  const nadir = gsdAt(CAM, pose(), CAM.cx, CAM.cy, ROOF_M);
  assert.ok(Math.abs(nadir - 30 / 3648) < 1e-9);
  assert.ok(Math.abs(gsdAt(CAM, pose(), CAM.cx, CAM.cy, 0) - 35 / 3648) < 1e-9, 'to the yard, 35 m');
  // 30° off nadir at the centre: range 30/cos30, stretched by 1/cos30 along the look direction: √ of the area.
  const oblique = gsdAt(CAM, pose({ gimbalPitch: -60 }), CAM.cx, CAM.cy, ROOF_M);
  const c30 = Math.cos(Math.PI / 6);
  assert.ok(Math.abs(oblique - (30 / c30 / 3648) / Math.sqrt(c30)) < 1e-8, `${oblique}`);
  assert.ok(gsdAt(CAM, pose({ gimbalPitch: -60 }), CAM.cx, 0, ROOF_M) > oblique, 'the far edge is coarser');
});

test('a ray at or above the horizon has no ground point, and a box reaching it no footprint', () => {
  const level = pose({ gimbalPitch: 0 });
  assert.equal(pixelToGround(CAM, level, CAM.cx, 100, ROOF_M), null);
  assert.equal(pixelToGround(CAM, level, CAM.cx, CAM.cy, ROOF_M), null, 'exactly on the horizon');
  assert.ok(pixelToGround(CAM, level, CAM.cx, CAM.height - 1, ROOF_M));
  assert.equal(gsdAt(CAM, level, CAM.cx, 100, ROOF_M), Infinity);
  const det = (y1: number, y2: number): Detection => ({ box: { x1: 100, y1, x2: 300, y2 }, classId: 0, className: 'hail', confidence: 0.9 });
  assert.equal(georeference(det(1700, 2000), 'a', CAM, level, ROOF_M), null, 'straddles the horizon');
  assert.ok(georeference(det(3000, 3200), 'a', CAM, level, ROOF_M));
  // A camera below the plane looking down never meets it.
  assert.equal(pixelToGround(CAM, pose({ altRel: 3 }), CAM.cx, CAM.cy, ROOF_M), null);
  // Behind the camera.
  const behind = enuAt(LAT, LON, HOME_H).fromEnu(0, -50, 0);
  assert.equal(groundToPixel(CAM, pose({ gimbalPitch: 0 }), behind.lat, behind.lon, ROOF_M), null);
});

test('a half-size image sees the same ground at the corresponding pixel', () => {
  const half = scaleIntrinsics(CAM, CAM.width / 2, CAM.height / 2);
  assert.deepEqual([half.fx, half.fy, half.cx, half.cy], [1824, 1824, 1368, 912]);
  const distorted: CameraIntrinsics = { ...CAM, distortion: { k1: -0.1, k2: 0.02, k3: 0, p1: 0.0005, p2: 0.0002 } };
  for (const cam of [CAM, distorted]) {
    const small = scaleIntrinsics(cam, cam.width / 2, cam.height / 2);
    for (const extra of [{}, { yaw: 37, gimbalPitch: -60 }]) {
      const p = pose(extra);
      for (const [u, v] of [[0, 0], [1000, 3000], [5472, 3648], [2736, 1824]] as const) {
        const a = pixelToGround(cam, p, u, v, ROOF_M)!;
        const b = pixelToGround(small, p, u / 2, v / 2, ROOF_M)!;
        assert.ok(Math.hypot(a.east - b.east, a.north - b.north) < 1e-9);
      }
    }
  }
  assert.equal(scaleIntrinsics(CAM, CAM.width, CAM.height), CAM);
  assert.throws(() => scaleIntrinsics(CAM, 0, 10), RangeError);
});

test('distort then undistort returns the pixel within 0.01 px across the frame', () => {
  const cam: CameraIntrinsics = { ...CAM, distortion: { k1: -0.12, k2: 0.05, k3: -0.01, p1: 0.001, p2: -0.0008 } };
  let worst = 0;
  for (let u = 0; u <= cam.width; u += cam.width / 16) {
    for (let v = 0; v <= cam.height; v += cam.height / 16) {
      const d = distortPixel(cam, u, v);
      const back = undistortPixel(cam, d.u, d.v);
      worst = Math.max(worst, Math.hypot(back.u - u, back.v - v));
    }
  }
  assert.ok(worst < 0.01, `${worst} px`);
  // The distortion is real (tens of pixels at the corners), and absent distortion is the identity.
  assert.ok(Math.hypot(distortPixel(cam, 0, 0).u, distortPixel(cam, 0, 0).v) > 50);
  assert.deepEqual(undistortPixel(CAM, 12.5, 99.25), { u: 12.5, v: 99.25 });
});

test('the shipped profile gives the 20 MP intrinsics, distortion-free', () => {
  assert.deepEqual(CAM, { width: 5472, height: 3648, fx: 3648, fy: 3648, cx: 2736, cy: 1824 });
  const withLens = intrinsicsFromProfile({
    image: { widthPx: 4000, heightPx: 3000 },
    intrinsics: { fx: 2900, fy: 2901, cx: 2001, cy: 1499, distortion: { k1: -0.1, p2: 0.001 } },
  });
  assert.deepEqual(withLens.distortion, { k1: -0.1, k2: 0, k3: 0, p1: 0, p2: 0.001 });
  assert.throws(() => intrinsicsFromProfile({ image: { widthPx: 0, heightPx: 3000 }, intrinsics: { fx: 1, fy: 1, cx: 0, cy: 0 } }), RangeError);
});

test('flat-earth offsets from the pose agree with exact ECEF within 5 mm out to 200 m', () => {
  const enu = enuAt(LAT, LON, HOME_H + ROOF_M);
  const placed = placeCamera(CAM, pose());
  let worst = 0;
  for (let deg = 0; deg < 360; deg += 15) {
    const b = (deg * Math.PI) / 180;
    const e = 200 * Math.sin(b);
    const n = 200 * Math.cos(b);
    const [lat, lon] = placed.frame.toLatLon(e, n);
    const exact: Vec3 = enu.toEnu(lat, lon, HOME_H + ROOF_M);
    worst = Math.max(worst, Math.hypot(exact[0] - e, exact[1] - n));
    const [e2, n2] = placed.frame.toEastNorth(lat, lon);
    assert.ok(Math.hypot(e2 - e, n2 - n) < 1e-6, 'toEastNorth inverts toLatLon');
  }
  assert.ok(worst < 0.005, `${worst} m`);
});

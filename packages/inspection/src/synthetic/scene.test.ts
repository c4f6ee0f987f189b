import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { haversineM } from '@fieldtrace/protocol';
import { groundToPixel } from '../camera/georef.js';
import type { RawImage } from '../imaging/raw-image.js';
import { DEMO_MODEL_PATH } from '../paths.js';
import type { CameraIntrinsics, CapturePose } from '../types.js';
import { PATCH_CLASSES, generatePatches } from './patches.js';
import { damageLonLat, makeRoofScene, renderView, roofOutlineLonLat, type RoofScene, type SceneDamage } from './scene.js';

const ORIGIN = { lat: 52.37, lon: 4.89 };

function camera(width: number, height: number, fx: number): CameraIntrinsics {
  return { width, height, fx, fy: fx, cx: width / 2, cy: height / 2 };
}

function sceneWith(damage: SceneDamage['kind'], seed: number): { scene: RoofScene; damage: SceneDamage } {
  const scene = makeRoofScene({ origin: ORIGIN, widthM: 12, depthM: 9, heightM: 6, yawDeg: 25, damages: 1, kinds: [damage], vents: 0, seed });
  const d = scene.damages[0];
  assert.ok(d, 'the scene has its damage');
  return { scene, damage: d };
}

/** Pixels whose colour differs by more than `min` (sum over RGB) between two renders, and their centroid. */
function difference(a: RawImage, b: RawImage, min = 30): { count: number; u: number; v: number } {
  let count = 0;
  let su = 0;
  let sv = 0;
  for (let i = 0, p = 0; i < a.data.length; i += 3, p++) {
    const d = Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0)) + Math.abs((a.data[i + 1] ?? 0) - (b.data[i + 1] ?? 0)) + Math.abs((a.data[i + 2] ?? 0) - (b.data[i + 2] ?? 0));
    if (d > min) {
      count++;
      su += (p % a.width) + 0.5;
      sv += Math.floor(p / a.width) + 0.5;
    }
  }
  return { count, u: su / Math.max(1, count), v: sv / Math.max(1, count) };
}

test('renderView is deterministic for a scene and seed, and the seed changes the picture', () => {
  const cam = camera(96, 64, 80);
  const pose: CapturePose = { ts: 0, lat: ORIGIN.lat, lon: ORIGIN.lon, altRel: 20, yaw: 10 };
  const a = makeRoofScene({ origin: ORIGIN, widthM: 10, depthM: 8, heightM: 5, seed: 11 });
  const b = makeRoofScene({ origin: ORIGIN, widthM: 10, depthM: 8, heightM: 5, seed: 11 });
  assert.deepEqual(a, b);
  assert.deepEqual(renderView(a, cam, pose).data, renderView(b, cam, pose).data);
  const c = makeRoofScene({ origin: ORIGIN, widthM: 10, depthM: 8, heightM: 5, seed: 12 });
  assert.notDeepEqual(renderView(c, cam, pose).data, renderView(a, cam, pose).data);
});

test('makeRoofScene places the requested damages on the roof, apart from each other', () => {
  const scene = makeRoofScene({ origin: ORIGIN, widthM: 16, depthM: 10, heightM: 6, yawDeg: 40, damages: 6, seed: 3 });
  assert.equal(scene.damages.length, 6);
  assert.deepEqual(new Set(scene.damages.map((d) => d.kind)), new Set(['hail', 'missing_shingle', 'lifted_shingle']));
  const y = (40 * Math.PI) / 180;
  for (const d of scene.damages) {
    // Back into roof coordinates: inside the outline with the damage's own half-size to spare.
    const a = d.east * Math.cos(y) - d.north * Math.sin(y);
    const b = d.east * Math.sin(y) + d.north * Math.cos(y);
    assert.ok(Math.abs(a) + d.sizeM / 2 < 8 && Math.abs(b) + d.sizeM / 2 < 5, `${d.kind} at (${a}, ${b}) is on the roof`);
  }
  for (let i = 0; i < scene.damages.length; i++) {
    for (let j = i + 1; j < scene.damages.length; j++) {
      const p = scene.damages[i] as SceneDamage;
      const q = scene.damages[j] as SceneDamage;
      assert.ok(Math.hypot(p.east - q.east, p.north - q.north) >= 2.5);
    }
  }
});

for (const kind of ['hail', 'missing_shingle', 'lifted_shingle'] as const) {
  test(`a nadir view centred over a ${kind} shows it in the middle of the image`, () => {
    const { scene, damage } = sceneWith(kind, 21);
    const at = damageLonLat(scene, damage);
    // 1 cm/px over the roof, turned to an arbitrary heading.
    const cam = camera(160, 120, 1000);
    const pose: CapturePose = { ts: 0, lat: at.lat, lon: at.lon, altRel: scene.roof.heightM + 10, yaw: 63 };
    const withDamage = renderView(scene, cam, pose);
    const clean = renderView({ ...scene, damages: [] }, cam, pose);
    const diff = difference(withDamage, clean);
    assert.ok(diff.count > 30, `${kind} changes the picture (${diff.count} px)`);
    // Centroid of the change within a few pixels (= cm) of the centre; lifted tabs are lopsided (shadow below).
    const tol = kind === 'lifted_shingle' ? 8 : 5;
    assert.ok(Math.abs(diff.u - 80) < tol && Math.abs(diff.v - 60) < tol, `change centred at (${diff.u.toFixed(1)}, ${diff.v.toFixed(1)})`);
  });
}

test('an oblique view puts the damage where the georeferencing code projects it (independent oracle)', () => {
  const { scene, damage } = sceneWith('missing_shingle', 5);
  const at = damageLonLat(scene, damage);
  const cam = camera(320, 240, 300);
  // Camera 14 m south-west of the damage, 25 m up, looking north-east and 50° down, on a hard mount with some roll.
  const pose: CapturePose = {
    ts: 0,
    lat: at.lat - 10 / 111_250,
    lon: at.lon - 10 / (111_250 * Math.cos((at.lat * Math.PI) / 180)),
    altRel: 25,
    yaw: 45,
    pitch: 3,
    roll: -4,
    gimbalPitch: -50,
    gimbalStabilised: false,
  };
  const diff = difference(renderView(scene, cam, pose), renderView({ ...scene, damages: [] }, cam, pose));
  const px = groundToPixel(cam, pose, at.lat, at.lon, scene.roof.heightM);
  assert.ok(px && diff.count > 5, `visible (${diff.count} px)`);
  assert.ok(Math.hypot(diff.u - px.u, diff.v - px.v) < 2.5, `rendered at (${diff.u.toFixed(1)}, ${diff.v.toFixed(1)}), projected to (${px.u.toFixed(1)}, ${px.v.toFixed(1)})`);
});

test('a roof at height renders larger than the same roof on the ground, by the ratio of distances', () => {
  const red = { colour: [0.85, 0.1, 0.1] as [number, number, number], streaks: 0 };
  const opts = { origin: ORIGIN, widthM: 8, depthM: 6, damages: 0, vents: 0, seed: 9, style: red, lighting: { cloudAmp: 0, vignette: 0, brightness: 1 } };
  const cam = camera(200, 150, 200);
  const pose: CapturePose = { ts: 0, lat: ORIGIN.lat, lon: ORIGIN.lon, altRel: 30 };
  const roofPixels = (img: RawImage): number => {
    let n = 0;
    // Red roof only: dirt and brick-ish browns are nowhere near twice as red as green.
    for (let i = 0; i < img.data.length; i += 3) if ((img.data[i] ?? 0) > 2 * (img.data[i + 1] ?? 0) && (img.data[i] ?? 0) > 2 * (img.data[i + 2] ?? 0)) n++;
    return n;
  };
  const high = roofPixels(renderView(makeRoofScene({ ...opts, heightM: 10 }), cam, pose));
  const low = roofPixels(renderView(makeRoofScene({ ...opts, heightM: 0 }), cam, pose));
  // Side ∝ 1 / distance: area ratio (30 / 20)² = 2.25; the expected area at 10 m is 8·6·(200/20)² = 4800 px.
  assert.ok(Math.abs(high / low - 2.25) < 0.12, `area ratio ${high}/${low}`);
  assert.ok(Math.abs(high - 4800) < 300, `roof ${high} px`);
});

test('roofOutlineLonLat and damageLonLat are metres from the scene origin', () => {
  const scene = makeRoofScene({ origin: ORIGIN, widthM: 14, depthM: 9, heightM: 6, yawDeg: 30, damages: 3, seed: 4 });
  const ring = roofOutlineLonLat(scene);
  assert.equal(ring.length, 5);
  assert.deepEqual(ring[0], ring[4]);
  const corners = ring.slice(0, 4);
  const lon = corners.reduce((s, p) => s + p[0], 0) / 4;
  const lat = corners.reduce((s, p) => s + p[1], 0) / 4;
  assert.ok(haversineM(lat, lon, ORIGIN.lat, ORIGIN.lon) < 0.01, 'the roof is centred on the origin');
  // Sides: haversine on the mean sphere is within 0.6 % of the ellipsoid's metres.
  const side = (i: number): number => haversineM(ring[i]?.[1] ?? 0, ring[i]?.[0] ?? 0, ring[i + 1]?.[1] ?? 0, ring[i + 1]?.[0] ?? 0);
  assert.ok(Math.abs(side(0) - 14) < 0.1 && Math.abs(side(1) - 9) < 0.06, `sides ${side(0)} × ${side(1)}`);
  for (const d of scene.damages) {
    const p = damageLonLat(scene, d);
    assert.ok(Math.abs(haversineM(ORIGIN.lat, ORIGIN.lon, p.lat, p.lon) - Math.hypot(d.east, d.north)) < 0.006 * Math.hypot(d.east, d.north) + 0.001);
    assert.equal(Math.sign(p.lat - ORIGIN.lat), Math.sign(d.north));
    assert.equal(Math.sign(p.lon - ORIGIN.lon), Math.sign(d.east));
  }
});

test('the committed demo model classifies freshly generated patches', async () => {
  const config = JSON.parse(readFileSync(DEMO_MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8')) as {
    classes: string[];
    input: { width: number; scale: number };
    thresholds: Record<string, number>;
  };
  assert.deepEqual(config.classes, [...PATCH_CLASSES]);
  const n = 40;
  // A seed the training script does not use (train 1, held-out 2, validation 3).
  const set = generatePatches(20240611, n, { size: config.input.width });
  const size = set.size;
  const plane = size * size;
  const input = new Float32Array(n * 3 * plane);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) input[(b * 3 + c) * plane + p] = (set.images[(b * plane + p) * 3 + c] ?? 0) * config.input.scale;
    }
  }
  const session = await InferenceSession.create(DEMO_MODEL_PATH);
  try {
    const out = await session.run({ [session.inputNames[0] ?? 'images']: new Tensor('float32', input, [n, 3, size, size]) });
    const probs = out[session.outputNames[0] ?? 'probs']?.data as Float32Array;
    const k = config.classes.length;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      // The detector's rule: the best damage class if it reaches its threshold, else background.
      let best = 0;
      let bp = -1;
      for (let c = 1; c < k; c++) {
        if ((probs[i * k + c] ?? 0) > bp) {
          bp = probs[i * k + c] ?? 0;
          best = c;
        }
      }
      const thr = config.thresholds[config.classes[best] ?? ''] ?? config.thresholds['default'] ?? 0.5;
      if ((bp >= thr ? best : 0) === set.labels[i]) correct++;
    }
    assert.ok(correct / n >= 0.8, `${correct}/${n} correct`);
  } finally {
    await session.release();
  }
});

/**
 * Labelled training patches for the demo damage classifier, rendered with the same renderer as the test scenes so
 * what the model learns is what the pipeline will show it: a nadir camera over a random roof at the model's GSD
 * (jittered ±15 %, since the pipeline's GSD is an estimate), turned to a random heading, under random lighting.
 *
 * "none" covers what a patch grid over a site shows besides damage: clean shingles, vents, the ridge, roof edges
 * with gutter and yard, lawn, dirt, driveway and the building's shadow — so the model does not fire on lawns. A damage
 * patch has the damage's centre within the central half of the patch (±size/4), which is where a grid with stride 0.5
 * is guaranteed to put it in at least one patch. Patches of one index are the same for a given seed, whatever the
 * count: patch i draws from its own derived seed.
 */
import type { RawImage } from '../imaging/raw-image.js';
import type { CapturePose } from '../types.js';
import { DAMAGE_KINDS, type DamageKind } from './damage.js';
import { deriveSeed, mulberry32, pick, pickIndex, uniform, type Rng } from './prng.js';
import { GUTTER_M, roofToEastNorth } from './roof-geometry.js';
import { damageSizeRange, makeDamage, makeRoofScene, randomDamageSpot, renderView, type RoofScene } from './scene.js';
import { enuScale, toLatLon } from './view-geometry.js';

export const PATCH_CLASSES = ['none', 'hail', 'missing_shingle', 'lifted_shingle'] as const;
export type PatchClass = (typeof PATCH_CLASSES)[number];

/** What a "none" patch (or a damage patch) shows; kept with each patch so errors can be broken down. */
export type PatchScene = 'roof' | 'vent' | 'ridge' | 'edge' | 'ground' | DamageKind;

export interface PatchOptions {
  /** Patch side, px (the model input). */
  size?: number;
  /** Metres per pixel the model works at. */
  gsdM?: number;
  /** Relative weights of the classes in PATCH_CLASSES order. */
  classWeights?: readonly number[];
}

export interface Patch {
  image: RawImage;
  label: number;
  scene: PatchScene;
}

export interface PatchSet {
  /** count × size × size × 3 bytes, RGB, rows top to bottom (NHWC). */
  images: Uint8Array;
  labels: Uint8Array;
  scenes: PatchScene[];
  size: number;
  classes: readonly string[];
}

export const DEFAULT_PATCH_SIZE = 64;
export const DEFAULT_PATCH_GSD_M = 0.02;
/** Half of the patches are background: a site is mostly sound roof and yard, and false alarms are what users see. */
const DEFAULT_WEIGHTS = [0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3];
/** Focal length of the patch camera, px; the altitude follows from the GSD. */
const PATCH_FX = 1000;
const ORIGIN = { lat: 40, lon: -95 };

function pickWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** A random point of a "none" patch and what it shows. */
function noneCentre(rng: Rng, scene: RoofScene): { east: number; north: number; what: PatchScene } {
  const { widthM: w, depthM: d, yawDeg } = scene.roof;
  const x = rng();
  if (x < 0.15 && scene.features.length > 0) {
    const f = pick(rng, scene.features);
    return { east: f.east + uniform(rng, -0.3, 0.3), north: f.north + uniform(rng, -0.3, 0.3), what: 'vent' };
  }
  if (x < 0.25) {
    const [east, north] = roofToEastNorth(yawDeg, uniform(rng, -w / 2 + 0.5, w / 2 - 0.5), uniform(rng, -0.4, 0.4));
    return { east, north, what: 'ridge' };
  }
  if (x < 0.45) {
    // Across one of the four edges, from just inside the gutter to a little way out over the yard.
    const side = pickIndex(rng, 4);
    const off = uniform(rng, -0.6, 0.5);
    const [a, b] =
      side < 2
        ? [(side === 0 ? 1 : -1) * (w / 2 + off), uniform(rng, -d / 2, d / 2)]
        : [uniform(rng, -w / 2, w / 2), (side === 2 ? 1 : -1) * (d / 2 + off - GUTTER_M / 2)];
    const [east, north] = roofToEastNorth(yawDeg, a, b);
    return { east, north, what: 'edge' };
  }
  if (x < 0.65) {
    // The yard: anywhere in a ring around the house, biased near it where the shadow and driveway are.
    const r = Math.hypot(w, d) / 2 + uniform(rng, 0.5, 10);
    const th = uniform(rng, 0, 2 * Math.PI);
    return { east: r * Math.sin(th), north: r * Math.cos(th), what: 'ground' };
  }
  const [east, north] = roofToEastNorth(yawDeg, uniform(rng, -w / 2 + 0.6, w / 2 - 0.6), uniform(rng, -d / 2 + 0.6, d / 2 - 0.6));
  return { east, north, what: 'roof' };
}

/** Patch `index` of the set drawn from `seed`. */
export function generatePatch(seed: number, index: number, opts: PatchOptions = {}): Patch {
  const size = opts.size ?? DEFAULT_PATCH_SIZE;
  const gsdM = opts.gsdM ?? DEFAULT_PATCH_GSD_M;
  const rng = mulberry32(deriveSeed(seed, index));
  const label = pickWeighted(rng, opts.classWeights ?? DEFAULT_WEIGHTS);
  const scene = makeRoofScene({
    origin: ORIGIN,
    widthM: uniform(rng, 8, 16),
    depthM: uniform(rng, 6, 12),
    heightM: uniform(rng, 3, 8),
    yawDeg: uniform(rng, 0, 360),
    damages: 0,
    seed: deriveSeed(seed, 0x10000 + index),
  });
  const patchM = size * gsdM;
  let east: number;
  let north: number;
  let what: PatchScene;
  if (label === 0) {
    ({ east, north, what } = noneCentre(rng, scene));
  } else {
    const kind = DAMAGE_KINDS[label - 1] as DamageKind;
    const [lo, hi] = damageSizeRange(kind);
    const sizeM = uniform(rng, lo, hi);
    const [a, b] = randomDamageSpot(rng, scene.roof.widthM, scene.roof.depthM, sizeM);
    const dmg = makeDamage(scene, kind, a, b, sizeM, deriveSeed(seed, 0x20000 + index), rng);
    scene.damages.push(dmg);
    // Vents stay, but not on top of the damage.
    scene.features = scene.features.filter((f) => Math.hypot(f.east - dmg.east, f.north - dmg.north) > patchM);
    const r = (patchM / 4) * Math.sqrt(rng());
    const th = uniform(rng, 0, 2 * Math.PI);
    east = dmg.east + r * Math.cos(th);
    north = dmg.north + r * Math.sin(th);
    what = kind;
  }

  // The pipeline shrinks sharper photos to the model's GSD with a Lanczos-3 filter (imaging/decode.ts, via sharp);
  // two thirds of the patches are rendered 2× or 3× finer and shrunk the same way, the rest come straight from the
  // renderer's footprint filter, so the model sees both kinds of sharpness.
  const pickOver = rng();
  const over = pickOver < 1 / 3 ? 1 : pickOver < 2 / 3 ? 2 : 3;
  const gsd = gsdM * uniform(rng, 0.85, 1.15);
  const n = size * over;
  const fx = PATCH_FX * over;
  const [lat, lon] = toLatLon(enuScale(ORIGIN.lat, ORIGIN.lon), east, north);
  const pose: CapturePose = { ts: 0, lat, lon, altRel: scene.roof.heightM + gsd * PATCH_FX, yaw: uniform(rng, 0, 360), gimbalPitch: -90 };
  const img = renderView(scene, { width: n, height: n, fx, fy: fx, cx: n / 2, cy: n / 2 }, pose);
  return { image: over === 1 ? img : lanczosDownsample(img, over), label, scene: what };
}

/**
 * Lanczos-3 weights for shrinking by an integer factor `k` (kernel stretched by k): tap t reads input pixel
 * o·k + tapOffset(k) + t for output pixel o. Output pixel o spans input [o·k, (o+1)·k), centre o·k + k/2; the taps
 * cover ±3k around it symmetrically.
 */
function lanczosTaps(k: number): Float64Array {
  const taps = 6 * k + 1;
  const w = new Float64Array(taps);
  const sinc = (v: number): number => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
  let sum = 0;
  for (let t = 0; t < taps; t++) {
    const x = (t + tapOffset(k) + 0.5 - k / 2) / k;
    w[t] = Math.abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0;
    sum += w[t] as number;
  }
  for (let t = 0; t < taps; t++) w[t] = (w[t] as number) / sum;
  return w;
}

const tapOffset = (k: number): number => Math.floor(k / 2) - 3 * k;

const TAPS = new Map<number, Float64Array>();

function lanczosDownsample(img: RawImage, k: number): RawImage {
  let w = TAPS.get(k);
  if (!w) {
    w = lanczosTaps(k);
    TAPS.set(k, w);
  }
  const W = img.width;
  const H = img.height;
  const ow = Math.floor(W / k);
  const oh = Math.floor(H / k);
  const off = tapOffset(k);
  const clamp = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  // Horizontal pass into floats, then vertical into bytes.
  const mid = new Float32Array(ow * H * 3);
  for (let y = 0; y < H; y++) {
    for (let o = 0; o < ow; o++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = 0; t < w.length; t++) {
        const i = (y * W + clamp(o * k + off + t, W - 1)) * 3;
        const c = w[t] as number;
        r += (img.data[i] as number) * c;
        g += (img.data[i + 1] as number) * c;
        b += (img.data[i + 2] as number) * c;
      }
      const m = (y * ow + o) * 3;
      mid[m] = r;
      mid[m + 1] = g;
      mid[m + 2] = b;
    }
  }
  const out = new Uint8Array(ow * oh * 3);
  for (let o = 0; o < oh; o++) {
    for (let x = 0; x < ow; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = 0; t < w.length; t++) {
        const m = (clamp(o * k + off + t, H - 1) * ow + x) * 3;
        const c = w[t] as number;
        r += (mid[m] as number) * c;
        g += (mid[m + 1] as number) * c;
        b += (mid[m + 2] as number) * c;
      }
      const i = (o * ow + x) * 3;
      out[i] = clamp(Math.round(r), 255);
      out[i + 1] = clamp(Math.round(g), 255);
      out[i + 2] = clamp(Math.round(b), 255);
    }
  }
  return { data: out, width: ow, height: oh };
}

/** Patches `start` … `start + count − 1` of the set drawn from `seed`, packed NHWC. */
export function generatePatches(seed: number, count: number, opts: PatchOptions & { start?: number } = {}): PatchSet {
  const size = opts.size ?? DEFAULT_PATCH_SIZE;
  const images = new Uint8Array(count * size * size * 3);
  const labels = new Uint8Array(count);
  const scenes: PatchScene[] = [];
  for (let i = 0; i < count; i++) {
    const p = generatePatch(seed, (opts.start ?? 0) + i, opts);
    images.set(p.image.data, i * size * size * 3);
    labels[i] = p.label;
    scenes.push(p.scene);
  }
  return { images, labels, scenes, size, classes: PATCH_CLASSES };
}

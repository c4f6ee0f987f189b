/**
 * Things on a sound roof that a damage model must not call damage: plumbing vent pipes in their rubber boots and
 * square box (static) vents near the ridge, each with the shadow it casts. Drawn like the damages, in roof
 * coordinates (a along the eave, b across), over the shingle colour before lighting.
 */
import { coverage, hashUnit, mulberry32, pick } from './prng.js';
import type { Colour, Rgb } from './texture.js';

export type FeatureKind = 'pipe-vent' | 'box-vent';

export interface LocalFeature {
  kind: FeatureKind;
  a: number;
  b: number;
  /** Pipe radius or half the box side, m. */
  half: number;
  /** Cast shadow offset in roof coordinates, m (away from the sun, length ∝ height / tan(elevation)). */
  shadowA: number;
  shadowB: number;
  /** Bounding radius including the shadow, m. */
  radius: number;
  colour: Colour;
  seed: number;
}

const METALS: readonly Colour[] = [
  [0.12, 0.12, 0.12],
  [0.42, 0.43, 0.44],
  [0.3, 0.22, 0.16],
  [0.62, 0.62, 0.6],
];

/**
 * `sunA`, `sunB`: horizontal direction towards the sun in roof coordinates (unit); `tanEl`: tangent of its elevation.
 */
export function prepareFeature(kind: FeatureKind, a: number, b: number, sizeM: number, seed: number, sunA: number, sunB: number, tanEl: number): LocalFeature {
  const rng = mulberry32(seed);
  const heightM = kind === 'pipe-vent' ? 0.2 + rng() * 0.15 : 0.12 + rng() * 0.08;
  const len = Math.min(1.2, heightM / Math.max(0.2, tanEl));
  const half = sizeM / 2;
  return {
    kind,
    a,
    b,
    half,
    shadowA: -sunA * len,
    shadowB: -sunB * len,
    radius: half * 1.7 + len + 0.05,
    colour: pick(rng, METALS),
    seed,
  };
}

/** `shadowDepth`: how much a cast shadow darkens (1 − ambient share of the light). */
export function featureOverlay(f: LocalFeature, da: number, db: number, fp: number, shadowDepth: number, out: Rgb): void {
  if (f.kind === 'pipe-vent') {
    const boot = coverage(Math.hypot(da, db) - f.half * 1.7, fp);
    const pipe = coverage(Math.hypot(da, db) - f.half, fp);
    const inner = coverage(Math.hypot(da, db) - f.half * 0.75, fp);
    const shadow = coverage(Math.hypot(da - f.shadowA, db - f.shadowB) - f.half, fp) * (1 - boot);
    const k = 1 - shadowDepth * 0.85 * shadow;
    let r = out.r * k;
    let g = out.g * k;
    let b = out.b * k;
    // Rubber boot (black), the pipe's rim in its colour, the open pipe dark inside.
    r = r * (1 - boot) + 0.07 * boot;
    g = g * (1 - boot) + 0.07 * boot;
    b = b * (1 - boot) + 0.075 * boot;
    const c = f.colour;
    r = r * (1 - pipe) + (c[0] * (1 - inner) + 0.04 * inner) * pipe;
    g = g * (1 - pipe) + (c[1] * (1 - inner) + 0.04 * inner) * pipe;
    b = b * (1 - pipe) + (c[2] * (1 - inner) + 0.04 * inner) * pipe;
    out.r = r;
    out.g = g;
    out.b = b;
    return;
  }
  const h = f.half;
  const flange = coverage(Math.max(Math.abs(da), Math.abs(db)) - h * 1.3, fp);
  const top = coverage(Math.max(Math.abs(da), Math.abs(db)) - h, fp);
  const sa = da - f.shadowA;
  const sb = db - f.shadowB;
  const shadow = coverage(Math.max(Math.abs(sa), Math.abs(sb)) - h, fp) * (1 - flange);
  const k = 1 - shadowDepth * 0.85 * shadow;
  const c = f.colour;
  // The hood's top is lit unevenly (louvres on the down-slope side), the flange is the same metal, duller.
  const louvre = db < -h * 0.5 ? 0.7 + 0.3 * hashUnit(Math.floor(da / 0.03), 1, f.seed) : 1.05;
  const fl = flange - top;
  out.r = out.r * k * (1 - flange) + c[0] * (fl * 0.8 + top * louvre);
  out.g = out.g * k * (1 - flange) + c[1] * (fl * 0.8 + top * louvre);
  out.b = out.b * k * (1 - flange) + c[2] * (fl * 0.8 + top * louvre);
}

/**
 * Deterministic randomness for the synthetic scenes. Two kinds:
 * - a sequential PRNG (mulberry32) for choosing a scene's parameters once, and
 * - stateless integer hashes of a lattice position, for texture values that must be the same whichever pixel, image
 *   or altitude asks for them (a shingle's tone cannot depend on the order pixels are rendered in).
 * Math.random is never used: a scene, a training set and a test image are reproduced exactly from their seeds.
 */

export type Rng = () => number;

/** mulberry32: 32-bit state, period 2³², uniform in [0, 1). Plenty for picking a few thousand scene parameters. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Integer in [0, n). */
export function pickIndex(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[pickIndex(rng, items.length)] as T;
}

/** Standard normal (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = Math.max(1e-12, rng());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A child seed derived from a seed and a salt, so independent streams do not overlap. */
export function deriveSeed(seed: number, salt: number): number {
  return hash3(seed | 0, salt | 0, 0x5bd1e995) >>> 0;
}

/**
 * 32-bit hash of three integers (murmur3-style finaliser). Inputs are truncated to int32; lattice coordinates of a
 * few km at mm cells stay within range.
 */
export function hash3(x: number, y: number, z: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hash as a float in [0, 1). */
export function hashUnit(x: number, y: number, z: number): number {
  return hash3(x, y, z) / 4294967296;
}

/**
 * Value noise in [0, 1): hashed lattice values at integer points, blended with a smoothstep. `x`, `y` are in lattice
 * units (divide metres by the feature size before calling).
 */
export function valueNoise(x: number, y: number, seed: number): number {
  const fx = Math.floor(x);
  const fy = Math.floor(y);
  let tx = x - fx;
  let ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const a = hashUnit(fx, fy, seed);
  const b = hashUnit(fx + 1, fy, seed);
  const c = hashUnit(fx, fy + 1, seed);
  const d = hashUnit(fx + 1, fy + 1, seed);
  const top = a + (b - a) * tx;
  const bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

/** Fraction of a pixel of width `w` (same units as `d`) covered by the region d < 0: a box-filtered edge. */
export function coverage(d: number, w: number): number {
  const t = 0.5 - d / w;
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/**
 * How the three kinds of damage look, drawn over the shingle texture in roof coordinates (metres), so a damage has the
 * same physical size at any altitude:
 * - hail: a cluster of bruises 2–6 cm across, where the impact knocked the granules off and the black asphalt mat
 *   shows, each ringed by a slightly lighter halo of loosened granules (HAAG's "hail-caused bruise" look);
 * - missing_shingle: a tab-sized hole showing felt, synthetic underlayment or the wood deck with a row of nail heads,
 *   a sharp shadow under the butt edge of the course above and ragged torn sides;
 * - lifted_shingle: a tab raised by wind: its surface tilts towards the light (brighter, with a highlight along the
 *   lifted butt edge and the texture displaced up-slope) over a dark shadow gap under its lower edge.
 *
 * Offsets passed in are (dx along the courses, dy up the slope) from the damage's centre.
 */
import { coverage, hashUnit, mulberry32, uniform, valueNoise } from './prng.js';
import type { Rgb } from './texture.js';

export type DamageKind = 'hail' | 'missing_shingle' | 'lifted_shingle';
export const DAMAGE_KINDS: readonly DamageKind[] = ['hail', 'missing_shingle', 'lifted_shingle'];

/** Courses a missing-shingle hole spans: a tab-sized hole shows one course, a whole strip torn off shows two. */
export function missingCourses(sizeM: number): 1 | 2 {
  return sizeM >= 0.6 ? 2 : 1;
}

/** A damage ready to draw: centre in roof coordinates and its precomputed shape. */
export interface LocalDamage {
  kind: DamageKind;
  /** Centre along the eave and across the roof (roof frame, m). */
  a: number;
  b: number;
  /** +1 when up-slope is +b at the centre (the face whose eave is at −depth/2), −1 on the other face. */
  slope: number;
  /** Bounding radius including shadows, m: pixels farther away skip this damage. */
  radius: number;
  /** hail: bruise centres and radii, [x, y, r]… in (dx, dy) metres. */
  bruises: Float64Array;
  /** missing / lifted: half width along the courses and half height up the slope, m. */
  halfW: number;
  halfH: number;
  /** lifted: depth of the shadow gap under the butt, m; missing: shadow under the course above, m. */
  shadowM: number;
  /** missing: 0 felt, 1 synthetic underlayment, 2 wood deck. */
  material: number;
  seed: number;
}

const ASPHALT: readonly [number, number, number] = [0.035, 0.035, 0.04];
const MATERIALS: ReadonlyArray<readonly [number, number, number]> = [
  [0.15, 0.15, 0.15],
  [0.56, 0.6, 0.63],
  [0.6, 0.47, 0.31],
];

/**
 * Shape of a damage centred at roof (a, b). `sizeM`: hail cluster diameter; missing/lifted width along the courses.
 * `angleRad` turns the hail pattern; holes and lifted tabs follow the courses.
 */
export function prepareDamage(kind: DamageKind, a: number, b: number, slope: number, sizeM: number, angleRad: number, seed: number, exposureM: number): LocalDamage {
  const rng = mulberry32(seed);
  const d: LocalDamage = { kind, a, b, slope, radius: 0, bruises: new Float64Array(0), halfW: 0, halfH: 0, shadowM: 0, material: 0, seed };
  if (kind === 'hail') {
    const n = Math.max(5, Math.round(sizeM * uniform(rng, 18, 32)));
    const c = Math.cos(angleRad);
    const s = Math.sin(angleRad);
    d.bruises = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      // Denser towards the middle of the cluster (sqrt would be uniform over the disc).
      const rr = (sizeM / 2) * Math.pow(rng(), 0.7);
      const th = rng() * 2 * Math.PI;
      const x = rr * Math.cos(th);
      const y = rr * Math.sin(th);
      d.bruises[i * 3] = x * c - y * s;
      d.bruises[i * 3 + 1] = x * s + y * c;
      d.bruises[i * 3 + 2] = uniform(rng, 0.01, 0.03);
    }
    d.radius = sizeM / 2 + 0.05;
  } else if (kind === 'missing_shingle') {
    d.halfW = sizeM / 2;
    d.halfH = (exposureM * missingCourses(sizeM)) / 2;
    d.shadowM = uniform(rng, 0.015, 0.035);
    d.material = Math.min(2, Math.floor(rng() * 3));
    d.radius = Math.hypot(d.halfW, d.halfH) + 0.08;
  } else {
    d.halfW = sizeM / 2;
    d.halfH = exposureM / 2;
    d.shadowM = uniform(rng, 0.04, 0.08);
    d.radius = Math.hypot(d.halfW, d.halfH + d.shadowM) + 0.05;
  }
  return d;
}

/** Up-slope displacement (m) of the shingle texture at an offset: only a lifted tab moves. */
export function damageWarp(d: LocalDamage, dx: number, dy: number): number {
  if (d.kind !== 'lifted_shingle') return 0;
  if (Math.abs(dx) > d.halfW || Math.abs(dy) > d.halfH) return 0;
  // The tab pivots about its top (nailed) line: the butt rises most, seen from above as a shift up-slope.
  return 0.02 * (d.halfH - dy) / (2 * d.halfH);
}

/** Draws the damage over the already-shaded shingle colour `out` (before lighting). `fp`: pixel footprint, m. */
export function damageOverlay(d: LocalDamage, dx: number, dy: number, fp: number, out: Rgb): void {
  if (d.kind === 'hail') hail(d, dx, dy, fp, out);
  else if (d.kind === 'missing_shingle') missing(d, dx, dy, fp, out);
  else lifted(d, dx, dy, fp, out);
}

function hail(d: LocalDamage, dx: number, dy: number, fp: number, out: Rgb): void {
  const br = d.bruises;
  for (let i = 0; i < br.length; i += 3) {
    const r = br[i + 2] as number;
    const ex = dx - (br[i] as number);
    const ey = dy - (br[i + 1] as number);
    const lim = 1.4 * r + fp;
    if (ex * ex + ey * ey > lim * lim) continue;
    const dist = Math.sqrt(ex * ex + ey * ey);
    const core = coverage(dist - r, fp);
    const rim = coverage(dist - 1.4 * r, fp) - core;
    const k = 0.9 * core;
    const lift = 1 + 0.45 * rim;
    out.r = (out.r * (1 - k) + ASPHALT[0] * k) * lift;
    out.g = (out.g * (1 - k) + ASPHALT[1] * k) * lift;
    out.b = (out.b * (1 - k) + ASPHALT[2] * k) * lift;
  }
}

function missing(d: LocalDamage, dx: number, dy: number, fp: number, out: Rgb): void {
  // Torn sides: the half width wanders by a couple of centimetres along the slope.
  const hw = d.halfW + (valueNoise(dy * 25, 0.5, d.seed) - 0.5) * 0.04;
  const inside = coverage(Math.max(Math.abs(dx) - hw, Math.abs(dy) - d.halfH), fp);
  if (inside <= 0) return;
  const m = MATERIALS[d.material] as readonly [number, number, number];
  let tone = 1 + (valueNoise(dx * 40, dy * 40, d.seed ^ 0x11) - 0.5) * (d.material === 2 ? 0.3 : 0.1);
  // Nail heads along the top of each hidden course (~15 cm apart, 1 cm heads).
  const ny = d.halfH - 0.03 - Math.round((d.halfH - 0.03 - dy) / 0.14) * 0.14;
  const nx = dx / 0.15 - Math.round(dx / 0.15);
  const nail = coverage(Math.hypot(nx * 0.15, dy - ny) - 0.005, fp);
  // Shadow of the butt edge of the course above (sun-independent: the butt is right on top of the hole).
  const shadow = coverage(d.halfH - dy - d.shadowM, fp);
  const sideLine = coverage(hw - Math.abs(dx) - 0.006, fp);
  tone *= (1 - 0.7 * shadow) * (1 - 0.4 * (1 - sideLine));
  const r = (m[0] * tone) * (1 - nail) + 0.72 * nail;
  const g = (m[1] * tone) * (1 - nail) + 0.72 * nail;
  const b = (m[2] * tone) * (1 - nail) + 0.74 * nail;
  out.r = out.r * (1 - inside) + r * inside;
  out.g = out.g * (1 - inside) + g * inside;
  out.b = out.b * (1 - inside) + b * inside;
}

function lifted(d: LocalDamage, dx: number, dy: number, fp: number, out: Rgb): void {
  const ax = Math.abs(dx) - d.halfW;
  const tab = coverage(Math.max(ax, Math.abs(dy) - d.halfH), fp);
  // Tilted towards the sky: brighter, most at the butt; a specular line along the lifted butt edge.
  const tilt = 1 + 0.35 * tab * (0.5 + (d.halfH - dy) / (2 * d.halfH) * 0.5);
  const edge = tab * coverage(dy + d.halfH - 0.015, fp);
  // The gap under the butt: darkest right under the edge, fading down-slope; narrower towards the tab's corners.
  const below = -d.halfH - dy;
  const taper = d.shadowM * (1 - 0.5 * Math.min(1, Math.max(0, (Math.abs(dx) - d.halfW * 0.6) / (d.halfW * 0.4))));
  const gap = coverage(Math.max(ax, -below), fp) * coverage(below - taper, fp);
  const jag = 1 + (hashUnit(Math.floor(dx / 0.02), 3, d.seed) - 0.5) * 0.1;
  const k = tilt * (1 + 0.5 * edge) * (1 - 0.8 * gap * jag);
  out.r *= k;
  out.g *= k;
  out.b *= k;
}

/**
 * Procedural surfaces in metres: asphalt shingles (3-tab or architectural), the ridge cap, gutters, lawn, dirt,
 * concrete and walls. Every function maps a position on its surface (and the pixel's footprint `fp`, metres) to an
 * sRGB colour in 0..1 without state, so any camera at any altitude sees the same roof; edges narrower than a pixel are
 * box-filtered against the footprint (see `coverage`) and sub-pixel detail fades in amplitude instead of aliasing.
 * That analytic filtering is the renderer's anti-aliasing: it costs nothing per sample, unlike supersampling.
 *
 * Shingle coordinates: `a` runs along the courses (the eave), `s` up the slope from the eave. Typical sizes
 * (ASTM D3462 strip shingles): 1 m × 0.33 m strips with three 0.333 m tabs and 0.14 m (5⅝") exposure.
 */
import { coverage, hash3, hashUnit, pick, uniform, valueNoise, type Rng } from './prng.js';

export type Rgb = { r: number; g: number; b: number };
export type Colour = [number, number, number];

export type ShingleKind = '3-tab' | 'architectural';

export interface RoofStyle {
  shingle: ShingleKind;
  /** Base granule colour, sRGB 0..1. */
  colour: Colour;
  /** Tab-to-tab tone variation (fraction of the base). */
  toneJitter: number;
  /** Visible height of a course, m. */
  exposureM: number;
  /** 3-tab: tab width; architectural: mean tab width, m. */
  tabWidthM: number;
  /** Granule mottling amplitude (cm scale). */
  mottle: number;
  /** Dark algae streaks running down the slope, 0 = none. */
  streaks: number;
  /** Slope used for shading the two faces; the geometry stays the flat roof plane of the scene. */
  pitchDeg: number;
  gutter: Colour;
  textureSeed: number;
}

export interface GroundStyle {
  grass: Colour;
  dryGrass: Colour;
  dirt: Colour;
  /** Fraction of the lawn that is bare dirt. */
  dirtAmount: number;
  concrete: Colour;
  wall: Colour;
  /** Driveway rectangle in east/north metres: centre, size and bearing of its length. */
  driveway: { east: number; north: number; lengthM: number; widthM: number; bearingDeg: number };
  textureSeed: number;
}

export const ROOF_COLOURS: ReadonlyArray<{ name: string; rgb: Colour }> = [
  { name: 'charcoal', rgb: [0.25, 0.25, 0.26] },
  { name: 'black', rgb: [0.17, 0.17, 0.18] },
  { name: 'weathered-wood', rgb: [0.38, 0.32, 0.25] },
  { name: 'brown', rgb: [0.31, 0.23, 0.18] },
  { name: 'pewter-grey', rgb: [0.45, 0.45, 0.45] },
  { name: 'weathered-green', rgb: [0.31, 0.37, 0.31] },
  { name: 'slate', rgb: [0.33, 0.36, 0.41] },
  { name: 'desert-tan', rgb: [0.52, 0.46, 0.38] },
];

const GUTTERS: readonly Colour[] = [
  [0.86, 0.86, 0.84],
  [0.42, 0.31, 0.22],
  [0.55, 0.56, 0.57],
  [0.2, 0.2, 0.2],
];

function jitterColour(rng: Rng, c: Colour, amount: number): Colour {
  const k = 1 + uniform(rng, -amount, amount);
  return [c[0] * k * (1 + uniform(rng, -0.04, 0.04)), c[1] * k * (1 + uniform(rng, -0.04, 0.04)), c[2] * k * (1 + uniform(rng, -0.04, 0.04))];
}

export function randomRoofStyle(rng: Rng): RoofStyle {
  const shingle: ShingleKind = rng() < 0.5 ? '3-tab' : 'architectural';
  return {
    shingle,
    colour: jitterColour(rng, pick(rng, ROOF_COLOURS).rgb, 0.12),
    toneJitter: uniform(rng, 0.03, shingle === 'architectural' ? 0.16 : 0.08),
    exposureM: uniform(rng, 0.13, 0.15),
    tabWidthM: shingle === '3-tab' ? 1 / 3 : uniform(rng, 0.2, 0.3),
    mottle: uniform(rng, 0.03, 0.09),
    streaks: rng() < 0.3 ? uniform(rng, 0.05, 0.18) : 0,
    pitchDeg: uniform(rng, 15, 35),
    gutter: pick(rng, GUTTERS),
    textureSeed: Math.floor(rng() * 0x7fffffff),
  };
}

export function randomGroundStyle(rng: Rng, roofHalfExtentM: number): GroundStyle {
  const side = rng() < 0.5 ? -1 : 1;
  const bearing = uniform(rng, 0, 360);
  const r = (bearing * Math.PI) / 180;
  // The driveway starts beside the house and runs away from it.
  const off = roofHalfExtentM + uniform(rng, 2, 5);
  return {
    grass: jitterColour(rng, [0.27, 0.4, 0.16], 0.15),
    dryGrass: jitterColour(rng, [0.5, 0.47, 0.28], 0.1),
    dirt: jitterColour(rng, [0.45, 0.36, 0.26], 0.12),
    dirtAmount: uniform(rng, 0, 0.25),
    concrete: jitterColour(rng, [0.64, 0.63, 0.6], 0.1),
    wall: jitterColour(rng, pick(rng, [[0.82, 0.8, 0.72], [0.7, 0.6, 0.5], [0.6, 0.62, 0.64]] as Colour[]), 0.05),
    driveway: {
      east: side * off * Math.sin(r),
      north: side * off * Math.cos(r),
      lengthM: uniform(rng, 8, 16),
      widthM: uniform(rng, 3, 6),
      bearingDeg: bearing,
    },
    textureSeed: Math.floor(rng() * 0x7fffffff),
  };
}

/** Granule speckle: world-anchored cells no smaller than the pixel, whose contrast falls as √(granule/pixel). */
function speckle(a: number, s: number, fp: number, seed: number, granuleM: number): number {
  const cell = fp > granuleM ? fp : granuleM;
  const v = hashUnit(Math.floor(a / cell), Math.floor(s / cell), seed) - 0.5;
  return v * Math.sqrt(granuleM / cell);
}

/** Seeds of the two roof faces: their courses are laid independently. */
export const FACE_SEEDS: readonly [number, number] = [0, 0x6a09e667];

/** Horizontal shift of course `k`'s tab pattern, m. */
function courseShift(st: RoofStyle, k: number, seed: number): number {
  return st.shingle === '3-tab' ? ((k & 1) * 0.5 + hashUnit(k, 7, seed) * 0.12) * st.tabWidthM : hashUnit(k, 7, seed) * 5 * st.tabWidthM;
}

/** Architectural tab boundary `i` of course `k` (in shifted coordinates), m: jittered around i × mean width. */
function archBoundary(st: RoofStyle, i: number, k: number, seed: number): number {
  return (i + (hashUnit(i, k, seed) - 0.5) * 0.7) * st.tabWidthM;
}

/** The tab under (a, s): its extent along the course [left, right] (m, in `a`) and its course's butt height `s`. */
export function tabAt(st: RoofStyle, a: number, s: number, faceSeed: number): { left: number; right: number; buttS: number } {
  const seed = (st.textureSeed ^ faceSeed) | 0;
  const k = Math.floor(s / st.exposureM);
  const shift = courseShift(st, k, seed);
  const x = a + shift;
  let left: number;
  let right: number;
  if (st.shingle === '3-tab') {
    left = Math.floor(x / st.tabWidthM) * st.tabWidthM;
    right = left + st.tabWidthM;
  } else {
    const i = Math.floor(x / st.tabWidthM);
    left = archBoundary(st, i, k, seed);
    right = archBoundary(st, i + 1, k, seed);
    if (x < left) {
      right = left;
      left = archBoundary(st, i - 1, k, seed);
    } else if (x >= right) {
      left = right;
      right = archBoundary(st, i + 2, k, seed);
    }
  }
  return { left: left - shift, right: right - shift, buttS: k * st.exposureM };
}

/**
 * One point of a shingle field: colour before lighting. `faceSeed` separates the two faces of the roof (their
 * courses are laid independently).
 */
export function shadeShingles(st: RoofStyle, a: number, s: number, fp: number, faceSeed: number, out: Rgb): void {
  const e = st.exposureM;
  const k = Math.floor(s / e);
  const t = s / e - k; // 0 at this course's butt edge, 1 where the next course's butt covers it
  const seed = (st.textureSeed ^ faceSeed) | 0;
  let tone = 1;
  let gapCov = 0;
  let gapDark = 0.3;
  if (st.shingle === '3-tab') {
    const w = st.tabWidthM;
    // Courses are offset by half a tab (the usual 6" racking), plus a little irregularity.
    const x = a + courseShift(st, k, seed);
    const j = Math.floor(x / w);
    const u = x - j * w;
    const strip = Math.floor(j / 3);
    tone += (hashUnit(strip, k, seed) - 0.5) * 2 * st.toneJitter + (hashUnit(j, k, seed ^ 0x55) - 0.5) * st.toneJitter;
    // Keyway: a ~8 mm slot between tabs, cut up most of the exposure, showing the dark course below.
    if (t < 0.92) gapCov = coverage((u < w - u ? u : w - u) - 0.004, fp);
  } else {
    // Architectural (laminated): tabs of random width with dark gaps between them ("dragon teeth").
    const x = a + courseShift(st, k, seed);
    const i = Math.floor(x / st.tabWidthM);
    let seg = i;
    let left = archBoundary(st, i, k, seed);
    let right = archBoundary(st, i + 1, k, seed);
    if (x < left) {
      seg = i - 1;
      right = left;
      left = archBoundary(st, i - 1, k, seed);
    } else if (x >= right) {
      seg = i + 1;
      left = right;
      right = archBoundary(st, i + 2, k, seed);
    }
    const h = hash3(seg, k, seed);
    tone += ((h & 0xffff) / 65536 - 0.5) * 2 * st.toneJitter;
    const gapHalf = 0.002 + ((h >>> 16) & 0xff) / 255 * 0.012;
    const dl = x - left;
    const dr = right - x;
    gapCov = coverage((dl < dr ? dl : dr) - gapHalf, fp);
    gapDark = 0.22;
    // Laminated tabs: the lower part of some tabs is the darker backer layer.
    if (((h >>> 24) & 3) === 0) tone *= 1 - 0.14 * coverage(t - 0.4, fp / e);
  }
  // Shadow of the next course's butt edge on the top of this course, and the butt edge catching light.
  const shadowW = 0.006 + 0.006 * hashUnit(k, 3, seed);
  const buttShadow = coverage(shadowW - (1 - t) * e, fp);
  const buttLight = coverage(t * e - 0.003, fp);
  tone *= 1 - 0.45 * buttShadow;
  tone *= 1 + 0.12 * (1 - buttLight);
  // Weathering over tens of centimetres, granule mottling over centimetres, and granule speckle.
  tone += (valueNoise(a * 2.2, s * 2.2, seed ^ 0x1234) - 0.5) * 0.12;
  tone += (valueNoise(a * 33, s * 33, seed ^ 0x777) - 0.5) * 2 * st.mottle;
  tone += speckle(a, s, fp, seed ^ 0x3c3c, 0.003) * 0.22;
  if (st.streaks > 0) {
    const v = valueNoise(a * 7, s * 0.4, seed ^ 0x999);
    if (v > 0.6) tone *= 1 - st.streaks * (v - 0.6) * 2.5;
  }
  tone *= 1 - (1 - gapDark) * gapCov;
  out.r = st.colour[0] * tone;
  out.g = st.colour[1] * tone;
  out.b = st.colour[2] * tone;
}

/** Ridge cap: folded shingle pieces laid along the ridge, exposure lines across it. `c` is across-ridge metres. */
export function shadeRidgeCap(st: RoofStyle, a: number, c: number, fp: number, out: Rgb): void {
  const e = st.exposureM;
  const k = Math.floor(a / e);
  const t = a / e - k;
  let tone = 0.9 + (hashUnit(k, 99, st.textureSeed) - 0.5) * 0.1;
  tone *= 1 - 0.4 * coverage(0.008 - (1 - t) * e, fp);
  tone += (valueNoise(a * 33, c * 33, st.textureSeed ^ 0x2b) - 0.5) * 2 * st.mottle;
  tone += speckle(a, c, fp, st.textureSeed ^ 0x77, 0.003) * 0.22;
  out.r = st.colour[0] * tone;
  out.g = st.colour[1] * tone;
  out.b = st.colour[2] * tone;
}

/** Gutter along an eave (`d` metres in from the roof edge, `a` along it). */
export function shadeGutter(st: RoofStyle, a: number, d: number, fp: number, out: Rgb): void {
  // Rounded front lip: brightest on its crest, a dark seam where it meets the shingles.
  const crest = 1 + 0.15 * Math.cos(Math.min(Math.PI, (d / 0.12) * Math.PI));
  const seam = 1 - 0.5 * coverage(Math.abs(d - 0.12) - 0.004, fp);
  const tone = crest * seam * (1 + speckle(a, d, fp, st.textureSeed ^ 0x91, 0.02) * 0.05);
  out.r = st.gutter[0] * tone;
  out.g = st.gutter[1] * tone;
  out.b = st.gutter[2] * tone;
}

/** Lawn with dry and bare patches, or the concrete driveway (east/north metres). */
export function shadeGround(gs: GroundStyle, east: number, north: number, fp: number, out: Rgb): void {
  const seed = gs.textureSeed;
  const dw = gs.driveway;
  const br = (dw.bearingDeg * Math.PI) / 180;
  const de = east - dw.east;
  const dn = north - dw.north;
  const along = de * Math.sin(br) + dn * Math.cos(br);
  const across = de * Math.cos(br) - dn * Math.sin(br);
  const inDrive = coverage(Math.max(Math.abs(along) - dw.lengthM / 2, Math.abs(across) - dw.widthM / 2), fp);
  let r = 0;
  let g = 0;
  let b = 0;
  if (inDrive < 1) {
    const dry = valueNoise(east * 0.35, north * 0.35, seed);
    const dirtN = valueNoise(east * 0.5 + 17, north * 0.5, seed ^ 0x51);
    const dirt = dirtN > 1 - gs.dirtAmount ? Math.min(1, (dirtN - 1 + gs.dirtAmount) * 8) : 0;
    const clump = 1 + (valueNoise(east * 12, north * 12, seed ^ 0x33) - 0.5) * 0.3 + speckle(east, north, fp, seed ^ 0x44, 0.01) * 0.5;
    const w = dry * 0.6;
    r = ((gs.grass[0] * (1 - w) + gs.dryGrass[0] * w) * (1 - dirt) + gs.dirt[0] * dirt) * clump;
    g = ((gs.grass[1] * (1 - w) + gs.dryGrass[1] * w) * (1 - dirt) + gs.dirt[1] * dirt) * clump;
    b = ((gs.grass[2] * (1 - w) + gs.dryGrass[2] * w) * (1 - dirt) + gs.dirt[2] * dirt) * clump;
  }
  if (inDrive > 0) {
    // Saw-cut control joints every 3 m across the slab, stains, and aggregate speckle.
    const j = along / 3 - Math.round(along / 3);
    const joint = coverage(Math.abs(j) * 3 - 0.006, fp);
    const tone =
      (1 - 0.35 * joint) * (1 + (valueNoise(east * 0.8, north * 0.8, seed ^ 0x66) - 0.5) * 0.16) * (1 + speckle(east, north, fp, seed ^ 0x67, 0.004) * 0.2);
    r = r * (1 - inDrive) + gs.concrete[0] * tone * inDrive;
    g = g * (1 - inDrive) + gs.concrete[1] * tone * inDrive;
    b = b * (1 - inDrive) + gs.concrete[2] * tone * inDrive;
  }
  out.r = r;
  out.g = g;
  out.b = b;
}

/** Siding seen on oblique views: horizontal laps every 0.2 m (`z` metres above the ground). */
export function shadeWall(gs: GroundStyle, along: number, z: number, fp: number, out: Rgb): void {
  const lap = z / 0.2 - Math.floor(z / 0.2);
  const tone = (1 - 0.25 * coverage(lap * 0.2 - 0.015, fp)) * (1 + speckle(along, z, fp, gs.textureSeed ^ 0x21, 0.01) * 0.05);
  out.r = gs.wall[0] * tone;
  out.g = gs.wall[1] * tone;
  out.b = gs.wall[2] * tone;
}

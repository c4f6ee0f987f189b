/**
 * Synthetic inspection sites: a rectangular shingle roof (a gable, shaded as two slopes, its geometry the flat plane
 * `heightM` above the ground the pipeline assumes), damage placed on it in metres, vents that are not damage, and a
 * yard of lawn and driveway at height 0 around it. Scenes are plain data (JSON-serialisable), made from a seed, so the
 * end-to-end tests and the benchmark can say exactly where each damage is and check what the pipeline found.
 * The roof frame is described in roof-geometry.ts.
 */
import { DAMAGE_KINDS, missingCourses, type DamageKind } from './damage.js';
import { randomLighting, type Lighting } from './lighting.js';
import { deriveSeed, mulberry32, pickIndex, uniform } from './prng.js';
import type { FeatureKind } from './roof-features.js';
import { FACE_SEEDS, randomGroundStyle, randomRoofStyle, tabAt, type GroundStyle, type RoofStyle } from './texture.js';
import { GUTTER_M, RIDGE_CAP_HALF_M, roofSurface, roofToEastNorth } from './roof-geometry.js';
import { enuScale, toLatLon } from './view-geometry.js';

export { renderView, type RenderOptions } from './render.js';
export type { DamageKind } from './damage.js';
export type { Lighting } from './lighting.js';
export { eastNorthToRoof, roofToEastNorth } from './roof-geometry.js';

export interface SceneDamage {
  kind: DamageKind;
  /** Centre, metres east and north of the scene origin (on the roof plane). */
  east: number;
  north: number;
  /** hail: cluster diameter; missing/lifted: width along the courses, m. */
  sizeM: number;
  /** Bearing of the damage's long axis, degrees clockwise from north (hail: turns the pattern; holes and lifted tabs follow the courses). */
  angleDeg: number;
  seed: number;
}

/** Not damage: vents a model should leave alone. */
export interface SceneFeature {
  kind: FeatureKind;
  east: number;
  north: number;
  sizeM: number;
  seed: number;
}

export interface RoofScene {
  origin: { lat: number; lon: number };
  roof: {
    /** Roof outline, [east, north] metres, counter-clockwise, closed (first = last). */
    outline: Array<[number, number]>;
    heightM: number;
    widthM: number;
    depthM: number;
    yawDeg: number;
  };
  damages: SceneDamage[];
  features: SceneFeature[];
  style: RoofStyle;
  ground: GroundStyle;
  lighting: Lighting;
  seed: number;
}

export interface MakeRoofSceneOptions {
  origin: { lat: number; lon: number };
  widthM: number;
  depthM: number;
  heightM: number;
  yawDeg?: number;
  /** Number of damages to place (kinds taken in turn); 3 when absent. */
  damages?: number;
  /** Kinds to cycle through; all three when absent. */
  kinds?: readonly DamageKind[];
  /** Vents to place near the ridge; 0–3 at random when absent. */
  vents?: number;
  seed: number;
  lighting?: Partial<Lighting>;
  style?: Partial<RoofStyle>;
}

/** Damages are kept this far apart (m) so each one is a separate finding. */
const MIN_DAMAGE_SPACING_M = 2.5;

/** A damage's size range by kind, m. */
export function damageSizeRange(kind: DamageKind): [number, number] {
  if (kind === 'hail') return [0.3, 0.6];
  if (kind === 'missing_shingle') return [0.3, 0.9];
  return [0.3, 0.6];
}

/** Roof coordinates (a, b) of a spot where a damage of `sizeM` fits: clear of edges, gutter and ridge cap. */
export function randomDamageSpot(rng: () => number, widthM: number, depthM: number, sizeM: number): [number, number] {
  const m = sizeM / 2 + 0.2;
  const a = uniform(rng, -widthM / 2 + m, widthM / 2 - m);
  const lo = RIDGE_CAP_HALF_M + m;
  const hi = depthM / 2 - GUTTER_M - m;
  const side = rng() < 0.5 ? -1 : 1;
  return [a, side * uniform(rng, lo, Math.max(lo, hi))];
}

/**
 * A damage at roof (a, b), snapped to the shingles the way it happens on a roof: a lifted tab is one whole tab of a
 * course (its width becomes `sizeM`), a hole starts and ends at course butt lines. Hail lands anywhere.
 */
export function makeDamage(scene: RoofScene, kind: DamageKind, a: number, b: number, sizeM: number, seed: number, rng: () => number): SceneDamage {
  const d = scene.roof.depthM;
  const e = scene.style.exposureM;
  if (kind !== 'hail') {
    const surf = roofSurface(d, a, b);
    let s: number;
    if (kind === 'lifted_shingle') {
      s = (Math.floor(surf.upSlope / e) + 0.5) * e;
      const tab = tabAt(scene.style, surf.along, s, FACE_SEEDS[surf.face]);
      const along = (tab.left + tab.right) / 2;
      sizeM = tab.right - tab.left;
      a = surf.face === 0 ? along : -along;
    } else {
      s = missingCourses(sizeM) === 1 ? (Math.floor(surf.upSlope / e) + 0.5) * e : Math.round(surf.upSlope / e) * e;
    }
    b = surf.face === 0 ? s - d / 2 : d / 2 - s;
  }
  const [east, north] = roofToEastNorth(scene.roof.yawDeg, a, b);
  const courses = (((90 + scene.roof.yawDeg) % 360) + 360) % 360;
  return { kind, east, north, sizeM, angleDeg: kind === 'hail' ? uniform(rng, 0, 360) : courses, seed };
}

export function makeRoofScene(opts: MakeRoofSceneOptions): RoofScene {
  const { widthM: w, depthM: d, heightM } = opts;
  if (!(w > 2 && d > 2 && heightM >= 0)) throw new RangeError(`roof must be larger than 2×2 m at height ≥ 0, got ${w}×${d} m at ${heightM} m`);
  const rng = mulberry32(opts.seed);
  const yawDeg = opts.yawDeg ?? 0;
  const style = { ...randomRoofStyle(mulberry32(deriveSeed(opts.seed, 1))), ...opts.style };
  const lighting = { ...randomLighting(mulberry32(deriveSeed(opts.seed, 2))), ...opts.lighting };
  const ground = randomGroundStyle(mulberry32(deriveSeed(opts.seed, 3)), Math.hypot(w, d) / 2);
  const corners: Array<[number, number]> = [
    [-w / 2, -d / 2],
    [w / 2, -d / 2],
    [w / 2, d / 2],
    [-w / 2, d / 2],
    [-w / 2, -d / 2],
  ];
  const scene: RoofScene = {
    origin: { lat: opts.origin.lat, lon: opts.origin.lon },
    roof: { outline: [], heightM, widthM: w, depthM: d, yawDeg },
    damages: [],
    features: [],
    style,
    ground,
    lighting,
    seed: opts.seed,
  };
  scene.roof.outline = corners.map(([a, b]) => roofToEastNorth(yawDeg, a, b));

  const taken: Array<[number, number, number]> = []; // a, b, clearance radius
  const fits = (a: number, b: number, r: number): boolean => taken.every(([ta, tb, tr]) => Math.hypot(a - ta, b - tb) >= Math.max(r, tr));

  const vents = opts.vents ?? pickIndex(rng, 4);
  for (let i = 0; i < vents; i++) {
    const kind: FeatureKind = rng() < 0.6 ? 'pipe-vent' : 'box-vent';
    const sizeM = kind === 'pipe-vent' ? uniform(rng, 0.08, 0.14) : uniform(rng, 0.3, 0.45);
    for (let attempt = 0; attempt < 50; attempt++) {
      const a = uniform(rng, -w / 2 + 0.6, w / 2 - 0.6);
      const b = (rng() < 0.5 ? -1 : 1) * uniform(rng, RIDGE_CAP_HALF_M + 0.4, Math.min(d / 2 - 0.5, 1.6));
      if (!fits(a, b, 1.2)) continue;
      taken.push([a, b, 1.2]);
      const [east, north] = roofToEastNorth(scene.roof.yawDeg, a, b);
      scene.features.push({ kind, east, north, sizeM, seed: deriveSeed(opts.seed, 1000 + i) });
      break;
    }
  }

  const kinds = opts.kinds ?? DAMAGE_KINDS;
  const count = opts.damages ?? 3;
  const first = pickIndex(rng, kinds.length);
  for (let i = 0; i < count; i++) {
    const kind = kinds[(first + i) % kinds.length] as DamageKind;
    const [lo, hi] = damageSizeRange(kind);
    const sizeM = uniform(rng, lo, hi);
    for (let attempt = 0; attempt < 200; attempt++) {
      const [a, b] = randomDamageSpot(rng, w, d, sizeM);
      if (!fits(a, b, MIN_DAMAGE_SPACING_M)) continue;
      taken.push([a, b, MIN_DAMAGE_SPACING_M]);
      scene.damages.push(makeDamage(scene, kind, a, b, sizeM, deriveSeed(opts.seed, 2000 + i), rng));
      break;
    }
  }
  return scene;
}

/** The roof outline as a [lon, lat] ring (closed), for clustering and the report. */
export function roofOutlineLonLat(scene: RoofScene): Array<[number, number]> {
  const f = enuScale(scene.origin.lat, scene.origin.lon);
  return scene.roof.outline.map(([e, n]) => {
    const [lat, lon] = toLatLon(f, e, n);
    return [lon, lat];
  });
}

export function damageLonLat(scene: RoofScene, d: SceneDamage): { lat: number; lon: number } {
  const [lat, lon] = toLatLon(enuScale(scene.origin.lat, scene.origin.lon), d.east, d.north);
  return { lat, lon };
}

/**
 * Ray-cast rendering of a RoofScene through a pinhole camera: per pixel, the ray through the pixel centre (pixel i
 * spans [i, i+1)) meets the roof plane `heightM` inside the outline, else the walls under it, else the ground at 0,
 * else the sky. Surfaces are shaded procedurally (texture.ts, damage.ts, roof-features.ts) with each pixel's ground
 * footprint as the filter width, which is what keeps a 20 MP render to a couple of seconds without supersampling.
 * Lens distortion is not modelled: the image is what an ideal (or already rectified) camera sees.
 */
import type { RawImage } from '../imaging/raw-image.js';
import type { CameraIntrinsics, CapturePose } from '../types.js';
import { damageOverlay, damageWarp, prepareDamage, type LocalDamage } from './damage.js';
import { sunVector, surfaceShade } from './lighting.js';
import { hash3, valueNoise } from './prng.js';
import { featureOverlay, prepareFeature, type LocalFeature } from './roof-features.js';
import { GUTTER_M, RIDGE_CAP_HALF_M, eastNorthToRoof, roofAxes } from './roof-geometry.js';
import type { RoofScene } from './scene.js';
import { FACE_SEEDS, shadeGround, shadeGutter, shadeRidgeCap, shadeShingles, shadeWall, type Rgb } from './texture.js';
import { cameraAxes, enuScale, toEastNorth } from './view-geometry.js';

export interface RenderOptions {
  /** Samples per pixel along each axis (1 = one ray per pixel, the default; 2 = 2×2). */
  supersample?: number;
}

const SKY: readonly [number, number, number] = [0.62, 0.72, 0.86];
/** Dark strip along the roof's rakes (drip edge), m. */
const RAKE_EDGE_M = 0.03;

/** Does the segment from (pa, pb) by (da, db) cross the rectangle |a| ≤ ha, |b| ≤ hb? (Liang–Barsky clipping.) */
function segmentHitsRect(pa: number, pb: number, da: number, db: number, ha: number, hb: number): boolean {
  let t0 = 0;
  let t1 = 1;
  const p = [-da, da, -db, db];
  const q = [pa + ha, ha - pa, pb + hb, hb - pb];
  for (let i = 0; i < 4; i++) {
    const pi = p[i] as number;
    const qi = q[i] as number;
    if (pi === 0) {
      if (qi < 0) return false;
    } else {
      const r = qi / pi;
      if (pi < 0) {
        if (r > t1) return false;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return false;
        if (r < t1) t1 = r;
      }
    }
  }
  return true;
}

export function renderView(scene: RoofScene, cam: CameraIntrinsics, pose: CapturePose, opts: RenderOptions = {}): RawImage {
  const width = cam.width;
  const height = cam.height;
  const ss = Math.max(1, Math.floor(opts.supersample ?? 1));
  const { roof, style, ground, lighting } = scene;
  const W2 = roof.widthM / 2;
  const D2 = roof.depthM / 2;
  const hRoof = roof.heightM;

  // Camera position and axes in the roof frame (a, b, up): one dot product per axis instead of per pixel.
  const f = enuScale(scene.origin.lat, scene.origin.lon);
  const [camE, camN] = toEastNorth(f, pose.lat, pose.lon);
  const camU = pose.altRel;
  const { ua, ub } = roofAxes(roof.yawDeg);
  const toA = (e: number, n: number): number => e * ua[0] + n * ua[1];
  const toB = (e: number, n: number): number => e * ub[0] + n * ub[1];
  const ax = cameraAxes(pose);
  const ca = toA(camE, camN);
  const cb = toB(camE, camN);
  const rA = toA(ax.right[0], ax.right[1]);
  const rB = toB(ax.right[0], ax.right[1]);
  const rU = ax.right[2];
  const dA = toA(ax.down[0], ax.down[1]);
  const dB = toB(ax.down[0], ax.down[1]);
  const dU = ax.down[2];
  const fA = toA(ax.forward[0], ax.forward[1]);
  const fB = toB(ax.forward[0], ax.forward[1]);
  const fU = ax.forward[2];

  // Lighting constants: the sun in the roof frame, shade of each surface orientation.
  const sun = sunVector(lighting);
  const sunR = [toA(sun[0], sun[1]), toB(sun[0], sun[1]), sun[2]];
  const p = (style.pitchDeg * Math.PI) / 180;
  const shadeFace0 = surfaceShade(lighting, sunR, [0, -Math.sin(p), Math.cos(p)], 0);
  const shadeFace1 = surfaceShade(lighting, sunR, [0, Math.sin(p), Math.cos(p)], 0);
  const shadeFlat = surfaceShade(lighting, sunR, [0, 0, 1], 0);
  const shadeShadow = surfaceShade(lighting, sunR, [0, 0, 1], 1);
  const wallShade = [
    surfaceShade(lighting, sunR, [1, 0, 0], 0),
    surfaceShade(lighting, sunR, [-1, 0, 0], 0),
    surfaceShade(lighting, sunR, [0, 1, 0], 0),
    surfaceShade(lighting, sunR, [0, -1, 0], 0),
  ];
  const sunH = Math.hypot(sunR[0] as number, sunR[1] as number) || 1;
  // From a ground point towards the sun, the ray reaches roof height after this horizontal offset.
  const shadowDA = ((sunR[0] as number) * hRoof) / Math.max(0.05, sun[2]);
  const shadowDB = ((sunR[1] as number) * hRoof) / Math.max(0.05, sun[2]);
  const shadowDepth = 1 - lighting.ambient;
  const tanEl = sun[2] / Math.max(1e-3, sunH);

  const damages: LocalDamage[] = scene.damages.map((d) => {
    const [a, b] = eastNorthToRoof(roof.yawDeg, d.east, d.north);
    return prepareDamage(d.kind, a, b, b < 0 ? 1 : -1, d.sizeM, (d.angleDeg * Math.PI) / 180, d.seed, style.exposureM);
  });
  const features: LocalFeature[] = scene.features.map((ft) => {
    const [a, b] = eastNorthToRoof(roof.yawDeg, ft.east, ft.north);
    return prepareFeature(ft.kind, a, b, ft.sizeM, ft.seed, (sunR[0] as number) / sunH, (sunR[1] as number) / sunH, tanEl);
  });

  const col: Rgb = { r: 0, g: 0, b: 0 };
  let shade = 1;

  function shadeRoof(a: number, b: number, fp: number): void {
    const ab = b < 0 ? -b : b;
    if (D2 - ab < GUTTER_M) {
      shadeGutter(style, a, D2 - ab, fp, col);
      shade = shadeFlat;
      return;
    }
    if (ab < RIDGE_CAP_HALF_M) {
      shadeRidgeCap(style, a, b, fp, col);
      shade = shadeFlat;
      return;
    }
    // roofSurface(), inlined: no object per pixel on the hot path.
    const face = b < 0 ? 0 : 1;
    const slope = face === 0 ? 1 : -1;
    const along = face === 0 ? a : -a;
    const upSlope = face === 0 ? b + D2 : D2 - b;
    let warp = 0;
    for (let i = 0; i < damages.length; i++) {
      const d = damages[i] as LocalDamage;
      const dx = a - d.a;
      const dy = (b - d.b) * slope;
      if (dx * dx + dy * dy < d.radius * d.radius) warp += damageWarp(d, dx, dy);
    }
    shadeShingles(style, along, upSlope - warp, fp, FACE_SEEDS[face], col);
    for (let i = 0; i < damages.length; i++) {
      const d = damages[i] as LocalDamage;
      const dx = a - d.a;
      const dy = (b - d.b) * slope;
      if (dx * dx + dy * dy < d.radius * d.radius) damageOverlay(d, dx, dy, fp, col);
    }
    for (let i = 0; i < features.length; i++) {
      const ft = features[i] as LocalFeature;
      const da = a - ft.a;
      const db = b - ft.b;
      if (da * da + db * db < ft.radius * ft.radius) featureOverlay(ft, da, db, fp, shadowDepth, col);
    }
    // The ridge cap's edge shades the top course; the drip edge darkens the rakes.
    const capEdge = ab - RIDGE_CAP_HALF_M;
    const edgeDark = (capEdge < 0.012 ? 0.7 : 1) * (W2 - (a < 0 ? -a : a) < RAKE_EDGE_M ? 0.6 : 1);
    col.r *= edgeDark;
    col.g *= edgeDark;
    col.b *= edgeDark;
    shade = face === 0 ? shadeFace0 : shadeFace1;
  }

  // World east/north of the latest hit, for the cloud shadows.
  let hitE = 0;
  let hitN = 0;
  /** Follows a ray (direction in the roof frame) from the camera; leaves the colour in `col`, its light in `shade`. */
  function sample(ra: number, rb: number, ru: number, fpPerM: number): void {
    if (ru >= 0) {
      col.r = SKY[0];
      col.g = SKY[1];
      col.b = SKY[2];
      shade = 1;
      hitE = camE;
      hitN = camN;
      return;
    }
    const len = Math.sqrt(ra * ra + rb * rb + ru * ru);
    if (camU > hRoof) {
      const t = (hRoof - camU) / ru;
      const a = ca + t * ra;
      const b = cb + t * rb;
      if (a >= -W2 && a <= W2 && b >= -D2 && b <= D2) {
        shadeRoof(a, b, t * len * fpPerM);
        hitE = a * ua[0] + b * ub[0];
        hitN = a * ua[1] + b * ub[1];
        return;
      }
    }
    const t0 = -camU / ru;
    const a0 = ca + t0 * ra;
    const b0 = cb + t0 * rb;
    hitE = a0 * ua[0] + b0 * ub[0];
    hitN = a0 * ua[1] + b0 * ub[1];
    const fp = t0 * len * fpPerM;
    if (a0 >= -W2 && a0 <= W2 && b0 >= -D2 && b0 <= D2) {
      // Under the roof: the ray came in through a wall. Entry = the last of the side planes it crossed on the way
      // down from the roof plane (λ = 0 at roof height, 1 at the ground).
      const t1 = (hRoof - camU) / ru;
      const a1 = ca + t1 * ra;
      const b1 = cb + t1 * rb;
      let lam = 0;
      let side = 0;
      let along = b0;
      if (a1 > W2 || a1 < -W2) {
        const edge = a1 > W2 ? W2 : -W2;
        lam = (a1 - edge) / (a1 - a0);
        side = a1 > W2 ? 0 : 1;
        along = b1 + (b0 - b1) * lam;
      }
      if (b1 > D2 || b1 < -D2) {
        const edge = b1 > D2 ? D2 : -D2;
        const lb = (b1 - edge) / (b1 - b0);
        if (lb > lam) {
          lam = lb;
          side = b1 > D2 ? 2 : 3;
          along = a1 + (a0 - a1) * lb;
        }
      }
      const z = hRoof * (1 - lam);
      shadeWall(ground, along, z, fp, col);
      // Eave overhang shadow along the top of the wall.
      shade = (wallShade[side] as number) * (hRoof - z < 0.3 ? 0.6 : 1);
      return;
    }
    shadeGround(ground, hitE, hitN, fp, col);
    shade = hRoof > 0 && segmentHitsRect(a0, b0, shadowDA, shadowDB, W2, D2) ? shadeShadow : shadeFlat;
  }

  const data = new Uint8Array(width * height * 3);
  const bright = lighting.brightness;
  const tr = lighting.tint[0] * bright;
  const tg = lighting.tint[1] * bright;
  const tb = lighting.tint[2] * bright;
  const cloudK = 1 / lighting.cloudScaleM;
  const vigK = lighting.vignette / (cam.cx * cam.cx + cam.cy * cam.cy);
  // Triangular noise from one hash: sum of two 16-bit uniforms, σ = 1/√6 of the half-range.
  const noiseK = (lighting.noise * Math.sqrt(6)) / 65536;
  const fpPerM = (1 / ss + lighting.blurPx) / cam.fx;
  const inv = 1 / (ss * ss);
  let o = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++, o += 3) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < ss; sy++) {
        const yn = (v + (sy + 0.5) / ss - cam.cy) / cam.fy;
        for (let sx = 0; sx < ss; sx++) {
          const xn = (u + (sx + 0.5) / ss - cam.cx) / cam.fx;
          sample(fA + xn * rA + yn * dA, fB + xn * rB + yn * dB, fU + xn * rU + yn * dU, fpPerM);
          const cloud = lighting.cloudAmp > 0 ? 1 - lighting.cloudAmp * valueNoise(hitE * cloudK, hitN * cloudK, lighting.seed) : 1;
          const k = shade * cloud;
          r += col.r * k;
          g += col.g * k;
          b += col.b * k;
        }
      }
      const du = u + 0.5 - cam.cx;
      const dv = v + 0.5 - cam.cy;
      const vig = (1 - vigK * (du * du + dv * dv)) * inv;
      const h = hash3(u, v, lighting.seed);
      const n = ((h & 0xffff) + (h >>> 16) - 65535) * noiseK;
      const R = (r * vig * tr + n) * 255;
      const G = (g * vig * tg + n) * 255;
      const B = (b * vig * tb + n) * 255;
      data[o] = R < 0 ? 0 : R > 255 ? 255 : R + 0.5;
      data[o + 1] = G < 0 ? 0 : G > 255 ? 255 : G + 0.5;
      data[o + 2] = B < 0 ? 0 : B > 255 ? 255 : B + 0.5;
    }
  }
  return { data, width, height };
}

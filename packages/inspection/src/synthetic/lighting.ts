/**
 * Scene lighting: sun direction (for face shading and cast shadows), sky/ambient share, overall exposure, white
 * balance, drifting cloud shadows, lens vignetting, a little blur and sensor noise. Values are chosen per scene so the
 * model sees roofs from overcast mornings to harsh noon sun.
 */
import { uniform, type Rng } from './prng.js';

export interface Lighting {
  /** Sun bearing, degrees clockwise from north, and elevation above the horizon, degrees. */
  sunAzimuthDeg: number;
  sunElevationDeg: number;
  /** Share of light from the sky rather than the sun, 0..1 (overcast ≈ 0.9): how dark shadows are. */
  ambient: number;
  /** Exposure multiplier. */
  brightness: number;
  /** White-balance gains (colour temperature): warm > 1 red, cool > 1 blue. */
  tint: [number, number, number];
  /** Cloud-shadow depth (0 none) and feature size, m. */
  cloudAmp: number;
  cloudScaleM: number;
  /** Darkening at the image corners, 0..1. */
  vignette: number;
  /** Extra blur in pixels (defocus, motion), added to each pixel's footprint. */
  blurPx: number;
  /** Sensor noise, standard deviation in 0..1 units. */
  noise: number;
  seed: number;
}

export function randomLighting(rng: Rng): Lighting {
  const warmth = uniform(rng, -1, 1);
  return {
    sunAzimuthDeg: uniform(rng, 0, 360),
    sunElevationDeg: uniform(rng, 20, 75),
    ambient: rng() < 0.25 ? uniform(rng, 0.7, 0.95) : uniform(rng, 0.3, 0.6),
    brightness: uniform(rng, 0.8, 1.3),
    tint: [1 + 0.08 * warmth, 1 + 0.01 * warmth, 1 - 0.1 * warmth],
    cloudAmp: rng() < 0.4 ? uniform(rng, 0.05, 0.3) : 0,
    cloudScaleM: uniform(rng, 6, 25),
    vignette: uniform(rng, 0, 0.25),
    blurPx: uniform(rng, 0, 1),
    noise: uniform(rng, 0.003, 0.018),
    seed: Math.floor(rng() * 0x7fffffff),
  };
}

/** Unit vector towards the sun, East-North-Up. */
export function sunVector(l: Lighting): [number, number, number] {
  const az = (l.sunAzimuthDeg * Math.PI) / 180;
  const el = (l.sunElevationDeg * Math.PI) / 180;
  return [Math.cos(el) * Math.sin(az), Math.cos(el) * Math.cos(az), Math.sin(el)];
}

/**
 * Brightness of a surface with unit normal `n` relative to flat ground in full sun: ambient share plus the sun's
 * Lambert term normalised by the ground's, capped so a face turned to a low sun does not blow out.
 */
export function surfaceShade(l: Lighting, sun: readonly number[], n: readonly number[], inShadow: number): number {
  const dot = Math.max(0, (n[0] as number) * (sun[0] as number) + (n[1] as number) * (sun[1] as number) + (n[2] as number) * (sun[2] as number));
  const direct = Math.min(1.5, dot / Math.max(0.25, sun[2] as number));
  return l.ambient + (1 - l.ambient) * direct * (1 - inShadow);
}

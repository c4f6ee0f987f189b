import { metresPerDegree } from '@fieldtrace/protocol';
import type { Rng } from './rng.js';

/**
 * GNSS error as a receiver reports it: a slowly wandering offset (first-order Gauss–Markov, correlation time 30 s),
 * not white noise, so a parked truck drifts a few metres instead of jumping around. `accuracy` is the horizontal
 * 1-sigma (DRMS) error; each axis gets σ = accuracy/√2 so the radial RMS equals it. The wander is kept in units of
 * σ, so when reception improves the error shrinks with the reported accuracy instead of lagging behind it.
 */
export interface GpsErrorState {
  /** Unit-variance error north/east; metres = value × accuracy/√2. */
  zNorth: number;
  zEast: number;
  accuracy: number;
  /** This receiver's open-sky accuracy, 3–6 m (wandering up to 8 m). */
  baseAccuracy: number;
  /** Multipath or urban-canyon episode: accuracy 15–30 m until this event time. */
  degradedUntil: number;
  degradedAccuracy: number;
}

const CORRELATION_MS = 30_000;
/** Chance per second that an episode of poor reception starts. */
const DEGRADED_PER_S = 0.004;

export function createGpsError(rng: Rng): GpsErrorState {
  const baseAccuracy = rng.range(3, 6);
  return { zNorth: rng.gaussian(), zEast: rng.gaussian(), accuracy: baseAccuracy, baseAccuracy, degradedUntil: 0, degradedAccuracy: 0 };
}

export function updateGpsError(state: GpsErrorState, dtMs: number, t: number, rng: Rng): void {
  if (t >= state.degradedUntil && rng.chance(1 - Math.pow(1 - DEGRADED_PER_S, dtMs / 1000))) {
    state.degradedUntil = t + rng.range(5_000, 30_000);
    state.degradedAccuracy = rng.range(15, 30);
  }
  const target = t < state.degradedUntil ? state.degradedAccuracy : Math.min(8, state.baseAccuracy + Math.abs(rng.gaussian()) * 0.7);
  // Accuracy estimates move smoothly too; receivers filter them.
  state.accuracy += (target - state.accuracy) * Math.min(1, dtMs / 3_000);
  const rho = Math.exp(-dtMs / CORRELATION_MS);
  const innovation = Math.sqrt(1 - rho * rho);
  state.zNorth = rho * state.zNorth + innovation * rng.gaussian();
  state.zEast = rho * state.zEast + innovation * rng.gaussian();
}

/** Applies the current error to a true position. */
export function observe(state: GpsErrorState, lat: number, lon: number): { lat: number; lon: number } {
  const m = metresPerDegree(lat);
  const sigma = state.accuracy / Math.SQRT2;
  return { lat: lat + (state.zNorth * sigma) / m.lat, lon: lon + (state.zEast * sigma) / m.lon };
}

/** Satellites in use and HDOP consistent with the accuracy (UERE ≈ 4.5 m: accuracy ≈ HDOP × UERE). */
export function constellation(state: GpsErrorState, rng: Rng): { sats: number; hdop: number } {
  const hdop = Math.max(0.6, state.accuracy / 4.5);
  const sats = Math.max(4, Math.min(20, Math.round(17 - 3.2 * hdop + rng.gaussian())));
  return { sats, hdop: round(hdop, 1) };
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

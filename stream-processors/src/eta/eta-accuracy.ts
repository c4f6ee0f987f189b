import { haversineM, type LonLat } from '@fieldtrace/protocol';
import { FleetDirectory } from '../fleet/fleet-directory.js';
import type { FixInput } from '../geofence/geofence-core.js';
import { createEtaState, estimateEta, profileOf, setVehicleRoute, stepEta, type EtaOptions, type EtaState } from './eta-core.js';
import type { ProfileSnapshot } from '@fieldtrace/travel-time';

/**
 * How good the ETA is on recorded trips, the way the issue measures it: replay fixes in time order through
 * stepEta (which learns from them as in production), and at every fix of an evaluated trip predict the arrival
 * at each place the vehicle reaches later, against what actually happened. Shared by bench/eta and the accuracy
 * regression test so that both judge the same thing.
 */

export interface TrackFix {
  /** Unix ms. */
  ts: number;
  lat: number;
  lon: number;
}

export interface EvalTarget {
  lat: number;
  lon: number;
  /** When the vehicle got there, Unix ms. */
  arrivalTs: number;
}

export interface ReplayTrip {
  vehicleId: string;
  fixes: readonly TrackFix[];
  /** Places whose arrival is predicted at each earlier fix; empty for a trip that only teaches the profile. */
  targets: readonly EvalTarget[];
  /** The planned route the 'route' model is given, if any. */
  route: readonly LonLat[] | null;
}

/** The models compared: the baseline, a fixed-speed variant of it, and the learned estimate twice. */
export const ETA_MODELS = ['baseline', 'fixedSpeed', 'greatCircle', 'route'] as const;
export type EtaModel = (typeof ETA_MODELS)[number];

export const TIME_TO_GO_BUCKETS = [
  { label: '0–5 min', maxS: 300 },
  { label: '5–15 min', maxS: 900 },
  { label: '15–30 min', maxS: 1800 },
  { label: '30+ min', maxS: Number.POSITIVE_INFINITY },
] as const;

export interface ErrorSummary {
  count: number;
  /** Mean absolute error, s. */
  maeS: number;
  /** 90th percentile of the absolute error, s. */
  p90S: number;
  /** Mean of predicted − actual, s: positive when the model expects the vehicle later than it comes. */
  biasS: number;
}

/** Absolute errors per model and time-to-go bucket (the actual time to go decides the bucket). */
export class ErrorTally {
  /** Signed errors (predicted − actual, s) per model and bucket. */
  private readonly errors = new Map<EtaModel, number[][]>(ETA_MODELS.map((m) => [m, TIME_TO_GO_BUCKETS.map(() => [])]));

  add(model: EtaModel, actualS: number, predictedS: number): void {
    let b = 0;
    while (actualS >= TIME_TO_GO_BUCKETS[b]!.maxS) b++;
    this.errors.get(model)![b]!.push(predictedS - actualS);
  }

  /** Per bucket in TIME_TO_GO_BUCKETS order, then all buckets together. */
  summary(model: EtaModel): ErrorSummary[] {
    const buckets = this.errors.get(model)!;
    return [...buckets.map(summarise), summarise(buckets.flat())];
  }
}

function summarise(signed: readonly number[]): ErrorSummary {
  if (signed.length === 0) return { count: 0, maeS: Number.NaN, p90S: Number.NaN, biasS: Number.NaN };
  const abs = new Float64Array(signed.length);
  let sum = 0;
  let bias = 0;
  for (let i = 0; i < signed.length; i++) {
    abs[i] = Math.abs(signed[i]!);
    sum += abs[i]!;
    bias += signed[i]!;
  }
  abs.sort();
  const n = signed.length;
  return { count: n, maeS: sum / n, p90S: abs[Math.min(n - 1, Math.ceil(0.9 * n) - 1)]!, biasS: bias / n };
}

/** Steps shorter than this are GPS jitter, not travel, for the baseline's distance so far (m). */
const JITTER_M = 10;
/** The baseline trusts a trip's own average speed after this long... */
const BASELINE_WARMUP_S = 120;
/** ...and at least this distance, m. */
const BASELINE_WARMUP_M = 200;
/** Floor of the baseline's speed, m/s: a bus that waited at its first stop is not going to take days. */
const BASELINE_FLOOR_MS = 1;

/** Distance driven (jitter below JITTER_M ignored) ÷ time, over whole trips, m/s: the fixed-speed baseline's speed. */
export function meanTripSpeedMs(trips: readonly ReplayTrip[]): number {
  let metres = 0;
  let seconds = 0;
  for (const t of trips) {
    if (t.fixes.length < 2) continue;
    metres += pathM(t.fixes, t.fixes.length - 1);
    seconds += (t.fixes.at(-1)!.ts - t.fixes[0]!.ts) / 1000;
  }
  return metres / seconds;
}

function pathM(fixes: readonly TrackFix[], upTo: number): number {
  let total = 0;
  let last = fixes[0]!;
  for (let i = 1; i <= upTo; i++) {
    const d = haversineM(last.lat, last.lon, fixes[i]!.lat, fixes[i]!.lon);
    if (d >= JITTER_M) {
      total += d;
      last = fixes[i]!;
    }
  }
  return total;
}

/**
 * The places among `places` that a track reaches, each at its first fix within `radiusM`, in the order reached.
 * A place only counts once the vehicle has been away from it, so a trip starting at a stop does not "arrive" there.
 */
export function arrivals(fixes: readonly TrackFix[], places: ReadonlyArray<{ lat: number; lon: number }>, radiusM: number): EvalTarget[] {
  const out: EvalTarget[] = [];
  for (const p of places) {
    let away = false;
    for (const f of fixes) {
      const inside = haversineM(f.lat, f.lon, p.lat, p.lon) <= radiusM;
      if (!inside) away = true;
      else if (away) {
        out.push({ lat: p.lat, lon: p.lon, arrivalTs: f.ts });
        break;
      }
    }
  }
  return out.sort((a, b) => a.arrivalTs - b.arrivalTs);
}

export interface ReplayOptions {
  eta: EtaOptions;
  /** Profile the replay starts from (learned elsewhere); empty when absent. */
  preload?: ProfileSnapshot;
  /** Speed of the 'fixedSpeed' model, and of 'baseline' until a trip has its own average, m/s. */
  fixedSpeedMs: number;
}

export interface ReplayResult {
  /** The learned profile at the end of the replay. */
  snapshot: ProfileSnapshot;
  predictions: number;
}

const TENANT = 'replay';

/**
 * Replays trips in time order (each trip's vehicle on its own device) and adds every prediction to `tally`. The
 * learned models see only what happened before each prediction; the route model is given each evaluated trip's
 * route when the trip starts.
 */
export function replayAccuracy(trips: readonly ReplayTrip[], opts: ReplayOptions, tally: ErrorTally): ReplayResult {
  const directory = new FleetDirectory();
  directory.ensure(TENANT).replaceDevices([...new Set(trips.map((t) => t.vehicleId))].map((id) => ({ id, vehicleId: id })));
  const byLine = createEtaState(opts.eta, directory);
  const byRoute = createEtaState(opts.eta, directory);
  if (opts.preload) {
    profileOf(byLine, TENANT).load(opts.preload);
    profileOf(byRoute, TENANT).load(opts.preload);
  }

  const events: Array<{ trip: number; fix: number; ts: number }> = [];
  trips.forEach((t, trip) => t.fixes.forEach((f, fix) => events.push({ trip, fix, ts: f.ts })));
  events.sort((a, b) => a.ts - b.ts || a.trip - b.trip || a.fix - b.fix);

  const input: FixInput = { tenantId: TENANT, deviceId: '', ts: 0, lat: 0, lon: 0 };
  const sink: never[] = [];
  const distanceSoFar = trips.map(() => ({ metres: 0, lat: 0, lon: 0 }));
  let predictions = 0;
  for (const e of events) {
    const trip = trips[e.trip]!;
    const f = trip.fixes[e.fix]!;
    if (e.fix === 0) setVehicleRoute(byRoute, TENANT, trip.vehicleId, trip.targets.length > 0 ? trip.route : null);
    input.deviceId = trip.vehicleId;
    input.ts = f.ts;
    input.lat = f.lat;
    input.lon = f.lon;
    stepEta(byLine, input, sink);
    stepEta(byRoute, input, sink);

    const sofar = distanceSoFar[e.trip]!;
    if (e.fix === 0 || haversineM(sofar.lat, sofar.lon, f.lat, f.lon) >= JITTER_M) {
      if (e.fix > 0) sofar.metres += haversineM(sofar.lat, sofar.lon, f.lat, f.lon);
      sofar.lat = f.lat;
      sofar.lon = f.lon;
    }
    const elapsedS = (f.ts - trip.fixes[0]!.ts) / 1000;
    const ownSpeed = elapsedS >= BASELINE_WARMUP_S && sofar.metres >= BASELINE_WARMUP_M ? sofar.metres / elapsedS : opts.fixedSpeedMs;

    for (const target of trip.targets) {
      if (target.arrivalTs <= f.ts) continue;
      const actualS = (target.arrivalTs - f.ts) / 1000;
      const straightM = haversineM(f.lat, f.lon, target.lat, target.lon);
      tally.add('baseline', actualS, straightM / Math.max(BASELINE_FLOOR_MS, ownSpeed));
      tally.add('fixedSpeed', actualS, straightM / opts.fixedSpeedMs);
      tally.add('greatCircle', actualS, predictedS(byLine, trip.vehicleId, target, f.ts));
      tally.add('route', actualS, predictedS(byRoute, trip.vehicleId, target, f.ts));
      predictions++;
    }
  }
  return { snapshot: profileOf(byLine, TENANT).snapshot(), predictions };
}

function predictedS(state: EtaState, vehicleId: string, target: EvalTarget, now: number): number {
  const e = estimateEta(state, TENANT, vehicleId, target.lat, target.lon, now);
  return e ? (e.eta - now) / 1000 : Number.NaN;
}

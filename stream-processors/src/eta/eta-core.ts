import { haversineM, WIRE_VERSION, type EtaUpdate } from '@fieldtrace/protocol';
import type { FleetDirectory } from '../fleet/fleet-directory.js';
import type { FixInput } from '../geofence/geofence-core.js';

export interface EtaOptions {
  /** Road distance ÷ great-circle distance assumed for the remaining leg (ETA_DETOUR_FACTOR). */
  detourFactor: number;
  /** Prior speed, m/s, blended with what the vehicle is observed doing (ETA_DEFAULT_SPEED_MS). */
  defaultSpeedMs: number;
  /** Publish when the arrival time moves by more than this, seconds (ETA_MIN_CHANGE_S). */
  minChangeS: number;
  /** Publish at least this often while a job is next, seconds of event time (ETA_MAX_SILENCE_S). */
  maxSilenceS: number;
  /** Never publish twice for one job within this, seconds of event time (ETA_MIN_INTERVAL_S). */
  minIntervalS: number;
}

export interface EtaCounters {
  fixes: number;
  /** Fixes not newer than the vehicle's last one (no reorder buffer yet, as in the geofence core). */
  staleIgnored: number;
  updates: number;
}

/** Fixes slower than this are stops, traffic lights and GPS drift, not evidence of how fast the vehicle travels. */
export const MOVING_SPEED_MS = 1;
/** Slowest speed an estimate may assume; keeps a crawling vehicle from producing absurd arrival times. */
export const MIN_SPEED_MS = 3;
/** EWMA weight of each new moving fix: about the last ten moving fixes count. */
const SPEED_EWMA_ALPHA = 0.2;
/** The observed speed is trusted in proportion n / (n + PRIOR_FIXES) of moving fixes seen, up to the cap. */
const PRIOR_FIXES = 3;
/** The default keeps some weight for good: the recent past (a highway) rarely holds to the door of an urban site. */
const MAX_OBSERVED_WEIGHT = 0.8;

class VehicleEtaState {
  lastTs = Number.NEGATIVE_INFINITY;
  lastLat = 0;
  lastLon = 0;
  movingSpeedMs = 0;
  movingFixes = 0;
  /** The job the last update was about; null before the first one. */
  jobId: string | null = null;
  lastEta = 0;
  lastPublishedTs = 0;
}

export interface EtaState {
  readonly opts: EtaOptions;
  readonly directory: FleetDirectory;
  /** tenantId → vehicleId → state. */
  readonly tenants: Map<string, Map<string, VehicleEtaState>>;
  readonly counters: EtaCounters;
}

export function createEtaState(opts: EtaOptions, directory: FleetDirectory): EtaState {
  return { opts, directory, tenants: new Map(), counters: { fixes: 0, staleIgnored: 0, updates: 0 } };
}

/** The speed an estimate assumes, m/s: observed moving speed blended with the default, never below MIN_SPEED_MS. */
export function blendedSpeedMs(opts: EtaOptions, movingSpeedMs: number, movingFixes: number): number {
  const w = Math.min(MAX_OBSERVED_WEIGHT, movingFixes / (movingFixes + PRIOR_FIXES));
  return Math.max(MIN_SPEED_MS, w * movingSpeedMs + (1 - w) * opts.defaultSpeedMs);
}

/**
 * Runs one fix of a device through the ETA of its vehicle's next job; appends at most one EtaUpdate to `out`
 * and returns how many. Time is the fix's event time only, so a replay gives the same updates.
 */
export function stepEta(state: EtaState, fix: FixInput, out: EtaUpdate[]): number {
  state.counters.fixes++;
  const directory = state.directory.tenant(fix.tenantId);
  if (!directory) return 0;
  const vehicleId = directory.vehicleOf(fix.deviceId);
  if (vehicleId === null) return 0;
  let vehicles = state.tenants.get(fix.tenantId);
  if (!vehicles) state.tenants.set(fix.tenantId, (vehicles = new Map()));
  let v = vehicles.get(vehicleId);
  if (!v) vehicles.set(vehicleId, (v = new VehicleEtaState()));
  if (fix.ts <= v.lastTs) {
    state.counters.staleIgnored++;
    return 0;
  }
  observeSpeed(v, fix);

  const job = directory.nextJob(vehicleId);
  const site = job && directory.site(job.siteId);
  if (!job || !site) {
    v.jobId = null;
    return 0;
  }
  const opts = state.opts;
  const distanceM = haversineM(fix.lat, fix.lon, site.lat, site.lon);
  const secondsToGo =
    distanceM <= site.arrivalRadiusM ? 0 : (distanceM * opts.detourFactor) / blendedSpeedMs(opts, v.movingSpeedMs, v.movingFixes);
  const eta = fix.ts + Math.round(secondsToGo * 1000);

  if (v.jobId === job.id) {
    const sinceLast = fix.ts - v.lastPublishedTs;
    if (sinceLast < opts.minIntervalS * 1000) return 0;
    if (sinceLast < opts.maxSilenceS * 1000 && Math.abs(eta - v.lastEta) <= opts.minChangeS * 1000) return 0;
  }
  v.jobId = job.id;
  v.lastEta = eta;
  v.lastPublishedTs = fix.ts;
  state.counters.updates++;
  out.push({
    v: WIRE_VERSION,
    tenantId: fix.tenantId,
    vehicleId,
    deviceId: fix.deviceId,
    jobId: job.id,
    siteId: site.id,
    eta,
    secondsToGo: Math.round(secondsToGo),
    distanceM: Math.round(distanceM),
    method: 'great-circle',
    basedOnTs: fix.ts,
  });
  return 1;
}

/** Speed from the receiver when it reports one, else from the displacement since the previous fix. */
function observeSpeed(v: VehicleEtaState, fix: FixInput): void {
  let speed = fix.speed;
  if (speed === undefined && v.lastTs > Number.NEGATIVE_INFINITY) {
    speed = haversineM(v.lastLat, v.lastLon, fix.lat, fix.lon) / ((fix.ts - v.lastTs) / 1000);
  }
  v.lastTs = fix.ts;
  v.lastLat = fix.lat;
  v.lastLon = fix.lon;
  if (speed === undefined || !(speed > MOVING_SPEED_MS)) return;
  v.movingSpeedMs = v.movingFixes === 0 ? speed : v.movingSpeedMs + SPEED_EWMA_ALPHA * (speed - v.movingSpeedMs);
  v.movingFixes++;
}

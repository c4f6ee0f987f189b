import { haversineM, WIRE_VERSION, type EtaUpdate, type LonLat } from '@fieldtrace/protocol';
import type { FleetDirectory } from '../fleet/fleet-directory.js';
import type { FixInput } from '../geofence/geofence-core.js';
import {
  compileRoute,
  lineSeconds,
  locateAfter,
  locateVehicle,
  nearWeight,
  NO_NEAR_SPEED,
  routeSeconds,
  SpeedProfile,
  VehicleMotion,
  type EtaMethod,
  type NearSpeed,
  type PlannedRoute,
  type RoutePosition,
  type SpeedProfileOptions,
  type TravelEstimate,
} from '@fieldtrace/travel-time';

// The package entry point re-exports this module; this makes the accuracy replay (bench/eta) reachable from it.
// eta-accuracy imports this module back, which ES modules allow: neither uses the other's bindings while loading.
export { MOVING_SPEED_MS } from '@fieldtrace/travel-time';
export * from './eta-accuracy.js';

export interface EtaOptions {
  /** Road distance ÷ great-circle distance assumed until the fleet's own is learned (ETA_DETOUR_FACTOR). */
  detourFactor: number;
  /** Speed assumed where the fleet has never driven, m/s (ETA_DEFAULT_SPEED_MS). */
  defaultSpeedMs: number;
  /** Publish when the arrival time moves by more than this, seconds (ETA_MIN_CHANGE_S). */
  minChangeS: number;
  /** Publish at least this often while a job is next, seconds of event time (ETA_MAX_SILENCE_S). */
  maxSilenceS: number;
  /** Never publish twice for one job within this, seconds of event time (ETA_MIN_INTERVAL_S). */
  minIntervalS: number;
  /** Learn speed profiles and the detour factor from every fix (ETA_LEARN; default true). */
  learn?: boolean;
  /** Tuning of the per-tenant speed profiles (resolution, shrinkage, fading); defaults in DEFAULT_PROFILE_TUNING. */
  profile?: Omit<SpeedProfileOptions, 'priorSpeedMs' | 'priorDetourFactor'>;
  /** Farther than this from its planned route, a vehicle is estimated by great circle instead, m (default 100). */
  offRouteM?: number;
  /** A site farther than this from the vehicle's planned route is not on it, m (default 150). */
  onRouteSiteM?: number;
}

export interface EtaCounters {
  fixes: number;
  /** Fixes not newer than the vehicle's last one (no reorder buffer yet, as in the geofence core). */
  staleIgnored: number;
  updates: number;
  /** Stretches of travel fed to the speed profiles. */
  learned: number;
  /** Estimates made along a planned route, and by great circle. */
  routeEstimates: number;
  lineEstimates: number;
}

const DEFAULT_OFF_ROUTE_M = 100;
const DEFAULT_ON_ROUTE_SITE_M = 150;
/** A vehicle this far past its destination's place on the route looks for the place again further on, m. */
const PASSED_SLACK_M = 50;

class VehicleEtaState {
  readonly motion = new VehicleMotion();
  route: PlannedRoute | null = null;
  /** Where the vehicle is along its route, m; -1 when off it or not yet known. */
  routeAlongM = -1;
  /** Where it last was on the route, m, to search near there first. */
  routeHintM = -1;
  /** The job the last update was about; null before the first one. */
  jobId: string | null = null;
  lastEta = 0;
  lastPublishedTs = 0;
  /** The next site's place on the route, found once per site and route. */
  destSiteId: string | null = null;
  destRoute: PlannedRoute | null = null;
  readonly dest: RoutePosition = { alongM: 0, offM: Number.POSITIVE_INFINITY };
}

interface TenantEta {
  readonly profile: SpeedProfile;
  readonly vehicles: Map<string, VehicleEtaState>;
}

export interface EtaState {
  readonly opts: EtaOptions;
  readonly directory: FleetDirectory;
  readonly tenants: Map<string, TenantEta>;
  readonly counters: EtaCounters;
  /** Reused by stepEta so that an estimate allocates nothing. */
  readonly scratch: { estimate: TravelEstimate; near: NearSpeed; position: RoutePosition };
}

/** An ETA from a vehicle's last fix to any place (the accuracy replay, bench/eta): arrival time and what it rests on. */
export interface EtaEstimate {
  /** Predicted arrival, Unix ms. */
  eta: number;
  /** From `now`, never negative. */
  secondsToGo: number;
  /** Road distance assumed, m. */
  distanceM: number;
  method: EtaMethod;
  /** Event time of the vehicle's last fix, which the estimate starts from. */
  basedOnTs: number;
}

export function createEtaState(opts: EtaOptions, directory: FleetDirectory): EtaState {
  return {
    opts,
    directory,
    tenants: new Map(),
    counters: { fixes: 0, staleIgnored: 0, updates: 0, learned: 0, routeEstimates: 0, lineEstimates: 0 },
    scratch: {
      estimate: { seconds: 0, distanceM: 0, method: 'great-circle' },
      near: { speedMs: 0, weight: 0 },
      position: { alongM: 0, offM: 0 },
    },
  };
}

/** A tenant's speed profile, created empty (priors only) on first use. Persist with snapshot(), restore with load(). */
export function profileOf(state: EtaState, tenantId: string): SpeedProfile {
  return tenantEta(state, tenantId).profile;
}

/** Every tenant's profile, for persisting. */
export function* profiles(state: EtaState): IterableIterator<[tenantId: string, profile: SpeedProfile]> {
  for (const [tenantId, t] of state.tenants) yield [tenantId, t.profile];
}

/**
 * Gives a vehicle a planned route ([lon, lat] vertices in driving order), or takes it away (null or fewer than
 * two distinct vertices). While the vehicle is within offRouteM of it, ETAs to sites within onRouteSiteM of the
 * route ahead are timed along it (method 'route'). Returns whether the vehicle now has a route.
 */
export function setVehicleRoute(state: EtaState, tenantId: string, vehicleId: string, coords: readonly LonLat[] | null): boolean {
  const tenant = tenantEta(state, tenantId);
  const v = vehicleState(tenant, vehicleId);
  v.route = coords ? compileRoute(coords, tenant.profile) : null;
  v.routeAlongM = -1;
  v.routeHintM = -1;
  v.destRoute = null;
  if (v.route && v.motion.lastTs > Number.NEGATIVE_INFINITY) trackRoute(state, v, v.motion.lastLat, v.motion.lastLon);
  return v.route !== null;
}

/**
 * Runs one fix of a device through its vehicle's ETA: learns from it, then estimates the arrival at the vehicle's
 * next job's site and appends an EtaUpdate to `out` when due — first for a job, when the arrival moved by more
 * than minChangeS, or after maxSilenceS; never twice within minIntervalS. Returns how many were appended. Time is
 * the fix's event time only, so a replay gives the same updates.
 */
export function stepEta(state: EtaState, fix: FixInput, out: EtaUpdate[]): number {
  state.counters.fixes++;
  const directory = state.directory.tenant(fix.tenantId);
  if (!directory) return 0;
  const vehicleId = directory.vehicleOf(fix.deviceId);
  if (vehicleId === null) return 0;
  const tenant = tenantEta(state, fix.tenantId);
  const v = vehicleState(tenant, vehicleId);
  if (fix.ts <= v.motion.lastTs) {
    state.counters.staleIgnored++;
    return 0;
  }
  const opts = state.opts;
  if (v.motion.observe(tenant.profile, opts.learn !== false, fix.lat, fix.lon, fix.ts, fix.speed)) state.counters.learned++;
  if (v.route) trackRoute(state, v, fix.lat, fix.lon);

  const job = directory.nextJob(vehicleId);
  const site = job && directory.site(job.siteId);
  if (!job || !site) {
    v.jobId = null;
    return 0;
  }
  const sameJob = v.jobId === job.id;
  const sinceLast = fix.ts - v.lastPublishedTs;
  if (sameJob && sinceLast < opts.minIntervalS * 1000) return 0;

  const est = estimate(state, tenant.profile, v, site.lat, site.lon, site.arrivalRadiusM, site.id, state.scratch.estimate);
  const eta = fix.ts + Math.round(est.seconds * 1000);
  if (sameJob && sinceLast < opts.maxSilenceS * 1000 && Math.abs(eta - v.lastEta) <= opts.minChangeS * 1000) return 0;

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
    secondsToGo: Math.round(est.seconds),
    distanceM: Math.round(est.distanceM),
    method: est.method,
    basedOnTs: fix.ts,
  });
  return 1;
}

/**
 * ETA of a vehicle to any place, from its last fix and what the tenant's profile knows;
 * synchronous, and it changes nothing but the estimate counters. Null when the vehicle has not been seen.
 * `arrivalRadiusM`: within this the vehicle counts as there (0 s).
 */
export function estimateEta(
  state: EtaState,
  tenantId: string,
  vehicleId: string,
  lat: number,
  lon: number,
  now: number,
  arrivalRadiusM = 0,
): EtaEstimate | null {
  const tenant = state.tenants.get(tenantId);
  const v = tenant?.vehicles.get(vehicleId);
  if (!tenant || !v || v.motion.lastTs === Number.NEGATIVE_INFINITY) return null;
  const est = estimate(state, tenant.profile, v, lat, lon, arrivalRadiusM, null, { seconds: 0, distanceM: 0, method: 'great-circle' });
  return onDemand(v.motion.lastTs, est.seconds, est.distanceM, est.method, now);
}

function onDemand(basedOnTs: number, seconds: number, distanceM: number, method: EtaMethod, now: number): EtaEstimate {
  const eta = basedOnTs + Math.round(seconds * 1000);
  return { eta, secondsToGo: Math.max(0, (eta - now) / 1000), distanceM, method, basedOnTs };
}

/**
 * Travel time from the vehicle's last fix to a place: along its planned route when it is on it and the place is
 * ahead on it, otherwise along the great circle × the learned detour factor. `siteId` (stepEta) caches the
 * place's position on the route; null (on demand) finds it afresh.
 */
function estimate(
  state: EtaState,
  profile: SpeedProfile,
  v: VehicleEtaState,
  lat: number,
  lon: number,
  arrivalRadiusM: number,
  siteId: string | null,
  out: TravelEstimate,
): TravelEstimate {
  const m = v.motion;
  const straightM = haversineM(m.lastLat, m.lastLon, lat, lon);
  const near = state.scratch.near;
  near.speedMs = m.recentSpeedMs;
  near.weight = nearWeight(m.recentS);
  const dest = v.route && v.routeAlongM >= 0 ? destinationOnRoute(state, v, v.route, lat, lon, siteId) : null;
  if (dest) {
    out.method = 'route';
    out.distanceM = dest.alongM - v.routeAlongM + dest.offM;
    out.seconds =
      straightM <= arrivalRadiusM
        ? 0
        : routeSeconds(profile, v.route!, v.routeAlongM, dest.alongM, m.lastTs, near) +
          lineSeconds(profile, lat, lon, lat, lon, dest.offM, 1, m.lastTs, NO_NEAR_SPEED);
    state.counters.routeEstimates++;
    return out;
  }
  const detour = profile.detourFactor();
  out.method = 'great-circle';
  out.distanceM = straightM * detour;
  out.seconds = straightM <= arrivalRadiusM ? 0 : lineSeconds(profile, m.lastLat, m.lastLon, lat, lon, straightM, detour, m.lastTs, near);
  state.counters.lineEstimates++;
  return out;
}

/** The place's position on the route ahead of the vehicle, or null when the route does not pass near it. */
function destinationOnRoute(
  state: EtaState,
  v: VehicleEtaState,
  route: PlannedRoute,
  lat: number,
  lon: number,
  siteId: string | null,
): RoutePosition | null {
  const maxOffM = state.opts.onRouteSiteM ?? DEFAULT_ON_ROUTE_SITE_M;
  let pos: RoutePosition;
  if (siteId === null) {
    pos = locateAfter(route, lat, lon, v.routeAlongM, state.scratch.position);
  } else {
    pos = v.dest;
    if (v.destSiteId !== siteId || v.destRoute !== route || v.routeAlongM > pos.alongM + PASSED_SLACK_M) {
      locateAfter(route, lat, lon, v.routeAlongM, pos);
      v.destSiteId = siteId;
      v.destRoute = route;
    }
  }
  return pos.offM <= maxOffM && pos.alongM >= v.routeAlongM ? pos : null;
}

function trackRoute(state: EtaState, v: VehicleEtaState, lat: number, lon: number): void {
  const offRouteM = state.opts.offRouteM ?? DEFAULT_OFF_ROUTE_M;
  const pos = locateVehicle(v.route!, lat, lon, v.routeHintM, offRouteM, state.scratch.position);
  if (pos.offM <= offRouteM) {
    v.routeAlongM = pos.alongM;
    v.routeHintM = pos.alongM;
  } else {
    v.routeAlongM = -1;
  }
}

function tenantEta(state: EtaState, tenantId: string): TenantEta {
  let t = state.tenants.get(tenantId);
  if (!t) {
    const opts = state.opts;
    const profile = new SpeedProfile({ ...opts.profile, priorSpeedMs: opts.defaultSpeedMs, priorDetourFactor: opts.detourFactor });
    state.tenants.set(tenantId, (t = { profile, vehicles: new Map() }));
  }
  return t;
}

function vehicleState(tenant: TenantEta, vehicleId: string): VehicleEtaState {
  let v = tenant.vehicles.get(vehicleId);
  if (!v) tenant.vehicles.set(vehicleId, (v = new VehicleEtaState()));
  return v;
}

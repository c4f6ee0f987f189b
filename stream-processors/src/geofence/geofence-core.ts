import { WIRE_VERSION, type GeofenceEvent, type GeofenceShape, type GeofenceTransition } from '@fieldtrace/protocol';
import type { FleetDirectory } from '../fleet/fleet-directory.js';
import { FENCE_KINDS, type CompiledFence, type FenceDef, type FenceKind } from './compiled-fence.js';
import { DEFAULT_INDEX_OPTIONS, FenceIndex, type FenceIndexOptions } from './fence-index.js';
import { DevicePhase, DeviceFenceState, Membership, type MembershipSnapshot } from './membership.js';

/** The part of a `Position` the cores read (a Position is one). */
export interface FixInput {
  tenantId: string;
  deviceId: string;
  /** Event time, Unix ms. */
  ts: number;
  lat: number;
  lon: number;
  /** Horizontal 1-sigma error, metres; absent when the receiver does not say. */
  accuracy?: number | undefined;
  /** Ground speed, m/s. */
  speed?: number | undefined;
}

export interface DwellSetting {
  /** Inside this long before "arrived", seconds. */
  inS: number;
  /** Outside this long (after arriving) before "departed", seconds. */
  outS: number;
}

/** The defaults: two minutes in, three minutes out, whatever the kind; each fence may override. */
export const DEFAULT_DWELL: Readonly<Record<FenceKind, DwellSetting>> = {
  site: { inS: 120, outS: 180 },
  job: { inS: 120, outS: 180 },
  depot: { inS: 120, outS: 180 },
  zone: { inS: 120, outS: 180 },
};

export interface GeofenceOptions {
  /** Upper bound of the hysteresis margin, metres (GEOFENCE_MAX_MARGIN_M). */
  maxMarginM: number;
  cellSizeM?: number;
  dwell?: Partial<Record<FenceKind, DwellSetting>>;
  /**
   * Between two fixes further apart than this (metres), fences passed through without a fix inside are found by
   * intersecting the segment. Closer fixes sample the track densely enough; default 2 × maxMarginM (at least 20 m).
   */
  crossingMinGapM?: number;
  /**
   * ...and no more than this apart in time (seconds, default 300): across a longer silence the straight line between
   * two fixes is a guess, not a path (a bus's unrecorded return leg would "pass through" every stop it skipped).
   */
  crossingMaxGapS?: number;
}

export interface GeofenceCounters {
  fixes: number;
  /** Fixes not newer than the device's last processed one (the event-time layer normally prevents these). */
  lateIgnored: number;
  enters: number;
  exits: number;
  arrivals: number;
  departures: number;
  passThroughs: number;
}

interface TenantFences {
  index: FenceIndex;
  devices: Map<string, DeviceFenceState>;
}

export interface GeofenceState {
  readonly indexOptions: FenceIndexOptions;
  readonly dwell: Readonly<Record<FenceKind, DwellSetting>>;
  readonly crossingMinGapM: number;
  readonly crossingMaxGapMs: number;
  readonly directory: FleetDirectory;
  readonly tenants: Map<string, TenantFences>;
  readonly counters: GeofenceCounters;
  /** Incremented per fix; fences seen as candidates for that fix carry it in `mark`. */
  stamp: number;
  /** Reused candidate list. */
  readonly candidates: CompiledFence[];
  /** Reused crossing fractions. */
  readonly crossings: number[];
}

const M_PER_DEG = 111_195;
const RAD = Math.PI / 180;

export function createGeofenceState(opts: GeofenceOptions, directory: FleetDirectory): GeofenceState {
  const dwell = { ...DEFAULT_DWELL, ...opts.dwell };
  return {
    indexOptions: { ...DEFAULT_INDEX_OPTIONS, maxMarginM: opts.maxMarginM, cellSizeM: opts.cellSizeM ?? DEFAULT_INDEX_OPTIONS.cellSizeM },
    dwell,
    crossingMinGapM: opts.crossingMinGapM ?? Math.max(20, 2 * opts.maxMarginM),
    crossingMaxGapMs: (opts.crossingMaxGapS ?? 300) * 1000,
    directory,
    tenants: new Map(),
    counters: { fixes: 0, lateIgnored: 0, enters: 0, exits: 0, arrivals: 0, departures: 0, passThroughs: 0 },
    stamp: 0,
    candidates: [],
    crossings: [],
  };
}

function tenantFences(state: GeofenceState, tenantId: string): TenantFences {
  let t = state.tenants.get(tenantId);
  if (!t) state.tenants.set(tenantId, (t = { index: new FenceIndex(state.indexOptions), devices: new Map() }));
  return t;
}

function deviceState(tenant: TenantFences, deviceId: string): DeviceFenceState {
  let device = tenant.devices.get(deviceId);
  if (!device) tenant.devices.set(deviceId, (device = new DeviceFenceState()));
  return device;
}

export function upsertFence(state: GeofenceState, tenantId: string, def: FenceDef): CompiledFence {
  const fence = tenantFences(state, tenantId).index.upsert(def);
  const defaults = state.dwell[fence.kind] ?? DEFAULT_DWELL.zone;
  fence.dwellInMs = (fence.dwellInS ?? defaults.inS) * 1000;
  fence.dwellOutMs = (fence.dwellOutS ?? defaults.outS) * 1000;
  return fence;
}

/** Devices inside a removed fence forget it without an exit event: the fence, not the vehicle, went away. */
export function removeFence(state: GeofenceState, tenantId: string, fenceId: string): boolean {
  return state.tenants.get(tenantId)?.index.remove(fenceId) ?? false;
}

/**
 * Makes a tenant's fences of the given kinds exactly `defs`: upserts each (in place for known ids) and removes the
 * others of those kinds, so job fences and drawn fences can be reloaded independently.
 */
export function replaceFences(
  state: GeofenceState,
  tenantId: string,
  defs: Iterable<FenceDef>,
  kinds: readonly FenceKind[] = FENCE_KINDS,
): void {
  const index = tenantFences(state, tenantId).index;
  const keep = new Set<string>();
  for (const def of defs) {
    upsertFence(state, tenantId, def);
    keep.add(def.id);
  }
  for (const fence of [...index.all()]) if (!keep.has(fence.id) && kinds.includes(fence.kind)) index.remove(fence.id);
  // Compile the grid's cells now, in one pass, rather than on the first fix that visits each.
  index.prepare();
}

export function fenceOf(state: GeofenceState, tenantId: string, fenceId: string): CompiledFence | undefined {
  return state.tenants.get(tenantId)?.index.get(fenceId);
}

export function fenceShape(state: GeofenceState, tenantId: string, fenceId: string): GeofenceShape | undefined {
  return fenceOf(state, tenantId, fenceId)?.shape;
}

/** The fences a device is in now (entered or arrived, not away), for alerts and queries. */
export function fencesOf(state: GeofenceState, tenantId: string, deviceId: string): readonly Membership[] {
  return state.tenants.get(tenantId)?.devices.get(deviceId)?.memberships ?? [];
}

export function snapshotDevice(state: GeofenceState, tenantId: string, deviceId: string): MembershipSnapshot {
  return deviceState(tenantFences(state, tenantId), deviceId).snapshot();
}

export function restoreDevice(state: GeofenceState, tenantId: string, deviceId: string, snap: MembershipSnapshot): void {
  deviceState(tenantFences(state, tenantId), deviceId).restore(snap);
}

/**
 * Runs one fix, in event-time order for its device, through its tenant's fences and appends the events it causes to
 * `out` (returns how many). Deterministic: the only inputs are the state, the fix and the directory.
 *
 * Hysteresis: with a known accuracy, margin = min(accuracy, maxMarginM); entering needs the fix inside the fence
 * shrunk by the margin, exiting needs it outside the fence grown by it, so jitter at a boundary cannot flap.
 * Dwell: "arrive" once inside for the fence's dwell-in time, "depart" once outside for its dwell-out time after an
 * arrival; both are judged in event time at each fix (and at heartbeats, see advanceGeofence), with crossing times
 * interpolated between fixes, so a sparse track is judged by when it crossed, not when it was next heard from.
 */
export function stepGeofence(state: GeofenceState, fix: FixInput, out: GeofenceEvent[]): number {
  state.counters.fixes++;
  const tenant = tenantFences(state, fix.tenantId);
  const device = deviceState(tenant, fix.deviceId);
  if (fix.ts <= device.lastTs) {
    state.counters.lateIgnored++;
    return 0;
  }
  const before = out.length;
  const lat = fix.lat;
  const lon = fix.lon;
  const accuracy = fix.accuracy;
  const margin = accuracy === undefined || !(accuracy > 0) ? 0 : Math.min(accuracy, state.indexOptions.maxMarginM);
  const stamp = ++state.stamp;
  const index = tenant.index;
  const candidates = state.candidates;
  candidates.length = 0;

  const key = index.keyOf(lat, lon);
  index.collectCell(key, stamp, candidates);
  // Only a long segment is searched for fences passed through; one inside a single cell lies wholly in it, so those
  // fences are listed there already. Short steps need only the fences near the fix (and the ones the device is in).
  const hasLast = device.lastTs > Number.NEGATIVE_INFINITY;
  let longSegment = false;
  if (hasLast) {
    const dy = (lat - device.lastLat) * M_PER_DEG;
    const dx = (lon - device.lastLon) * M_PER_DEG * Math.cos(lat * RAD);
    longSegment = dx * dx + dy * dy > state.crossingMinGapM * state.crossingMinGapM && fix.ts - device.lastTs <= state.crossingMaxGapMs;
    if (longSegment && key !== device.lastCell) index.collectAlong(device.lastLat, device.lastLon, lat, lon, stamp, candidates);
  }

  let vehicleId: string | null | undefined; // looked up once, only if a vehicle-bound fence is a candidate
  for (let i = 0; i < candidates.length; i++) {
    const fence = candidates[i]!;
    if (fence.vehicleId !== null) {
      if (vehicleId === undefined) vehicleId = state.directory.tenant(fix.tenantId)?.vehicleOf(fix.deviceId) ?? null;
      if (fence.vehicleId !== vehicleId) continue;
    }
    const m = device.find(fence);
    if (m === undefined) {
      if (!fence.activeAt(fix.ts)) continue;
      if (fence.containsShrunk(lat, lon, margin)) enter(state, device, fix, fence, hasLast, out);
      else if (longSegment && fence.segmentNearBox(device.lastLat, device.lastLon, lat, lon, 0)) passThrough(state, device, fix, fence, margin, out);
    } else if (m.phase === DevicePhase.Away) {
      if (fence.containsShrunk(lat, lon, margin)) reenter(state, device, fix, m, out);
    } else if (fence.excludesGrown(lat, lon, margin)) {
      exit(state, device, fix, m, hasLast, out);
    }
  }

  // A fence the device is in that was not a candidate lies beyond its grown box from here: exited.
  const memberships = device.memberships;
  for (let i = memberships.length - 1; i >= 0; i--) {
    const m = memberships[i]!;
    if (!m.fence.live) memberships.splice(i, 1);
    else if (m.fence.mark !== stamp && m.phase !== DevicePhase.Away) exit(state, device, fix, m, hasLast, out);
  }
  confirm(state, device, fix.tenantId, fix.deviceId, fix.ts, out);

  device.lastTs = fix.ts;
  device.lastLat = lat;
  device.lastLon = lon;
  device.lastCell = key;
  return out.length - before;
}

/**
 * Moves a device's event time forward without a position (a heartbeat while parked and silent): completes dwell
 * and absence timers that ran out by `ts`. Returns how many events it appended.
 */
export function advanceGeofence(state: GeofenceState, tenantId: string, deviceId: string, ts: number, out: GeofenceEvent[]): number {
  const device = state.tenants.get(tenantId)?.devices.get(deviceId);
  if (!device || ts <= device.lastTs) return 0;
  const before = out.length;
  confirm(state, device, tenantId, deviceId, ts, out);
  device.lastTs = ts;
  return out.length - before;
}

function confirm(state: GeofenceState, device: DeviceFenceState, tenantId: string, deviceId: string, ts: number, out: GeofenceEvent[]): void {
  const memberships = device.memberships;
  for (let i = memberships.length - 1; i >= 0; i--) {
    const m = memberships[i]!;
    if (m.phase === DevicePhase.Entered && ts - m.enteredAt >= m.fence.dwellInMs) {
      arrive(state, tenantId, deviceId, m, out);
    } else if (m.phase === DevicePhase.Away && ts - m.leftAt >= m.fence.dwellOutMs) {
      depart(state, tenantId, deviceId, m, out);
      memberships.splice(i, 1);
    }
  }
}

/**
 * Fraction along the last segment at which the boundary was crossed: the last crossing, or the fix itself when there
 * is none or the two fixes are more than crossingMaxGapS apart (across a long silence the line between them is a guess).
 */
function crossingFraction(state: GeofenceState, device: DeviceFenceState, fix: FixInput, fence: CompiledFence, hasLast: boolean): number {
  if (!hasLast || fix.ts - device.lastTs > state.crossingMaxGapMs) return 1;
  const ts = fence.crossings(device.lastLat, device.lastLon, fix.lat, fix.lon, state.crossings);
  return ts.length === 0 ? 1 : ts[ts.length - 1]!;
}

function enter(state: GeofenceState, device: DeviceFenceState, fix: FixInput, fence: CompiledFence, hasLast: boolean, out: GeofenceEvent[]): void {
  const t = crossingFraction(state, device, fix, fence, hasLast);
  const m = new Membership(fence);
  m.enteredAt = interpolate(device.lastTs, fix.ts, t);
  m.enterLat = hasLast ? device.lastLat + (fix.lat - device.lastLat) * t : fix.lat;
  m.enterLon = hasLast ? device.lastLon + (fix.lon - device.lastLon) * t : fix.lon;
  device.memberships.push(m);
  state.counters.enters++;
  out.push(event(state, fix.tenantId, fix.deviceId, fence, 'enter', m.enteredAt, m.enterLat, m.enterLon));
}

function exit(state: GeofenceState, device: DeviceFenceState, fix: FixInput, m: Membership, hasLast: boolean, out: GeofenceEvent[]): void {
  const t = crossingFraction(state, device, fix, m.fence, hasLast);
  const leftAt = interpolate(device.lastTs, fix.ts, t);
  const lat = hasLast ? device.lastLat + (fix.lat - device.lastLat) * t : fix.lat;
  const lon = hasLast ? device.lastLon + (fix.lon - device.lastLon) * t : fix.lon;
  // Inside long enough before leaving: it arrived, even if no fix fell after the dwell time ran out.
  if (m.phase === DevicePhase.Entered && leftAt - m.enteredAt >= m.fence.dwellInMs) arrive(state, fix.tenantId, fix.deviceId, m, out);
  state.counters.exits++;
  out.push(event(state, fix.tenantId, fix.deviceId, m.fence, 'exit', leftAt, lat, lon));
  if (m.phase === DevicePhase.Arrived) {
    m.phase = DevicePhase.Away;
    m.leftAt = leftAt;
    m.leftLat = lat;
    m.leftLon = lon;
  } else {
    device.memberships.splice(device.memberships.indexOf(m), 1);
  }
}

/** Back inside after leaving an arrived-at fence: a short absence is enter/exit only; a long one was a departure. */
function reenter(state: GeofenceState, device: DeviceFenceState, fix: FixInput, m: Membership, out: GeofenceEvent[]): void {
  const t = crossingFraction(state, device, fix, m.fence, true);
  const at = interpolate(device.lastTs, fix.ts, t);
  if (at - m.leftAt >= m.fence.dwellOutMs) {
    depart(state, fix.tenantId, fix.deviceId, m, out);
    device.memberships.splice(device.memberships.indexOf(m), 1);
    if (m.fence.activeAt(fix.ts)) enter(state, device, fix, m.fence, true, out);
    return;
  }
  m.phase = DevicePhase.Arrived;
  state.counters.enters++;
  out.push(event(state, fix.tenantId, fix.deviceId, m.fence, 'enter', at, device.lastLat + (fix.lat - device.lastLat) * t, device.lastLon + (fix.lon - device.lastLon) * t));
}

/**
 * Neither fix is inside, but the segment between them crosses the fence: enter and exit at the interpolated
 * crossings. The chord must reach `margin` deep (its middle inside the shrunk fence), as a fix would have to.
 * Never an arrival: no fix inside is evidence of a stop.
 */
function passThrough(state: GeofenceState, device: DeviceFenceState, fix: FixInput, fence: CompiledFence, margin: number, out: GeofenceEvent[]): void {
  const ts = fence.crossings(device.lastLat, device.lastLon, fix.lat, fix.lon, state.crossings);
  // The first endpoint is outside, so crossings pair up as (in, out).
  for (let i = 0; i + 1 < ts.length; i += 2) {
    const tIn = ts[i]!;
    const tOut = ts[i + 1]!;
    const mid = (tIn + tOut) / 2;
    if (!fence.containsShrunk(device.lastLat + (fix.lat - device.lastLat) * mid, device.lastLon + (fix.lon - device.lastLon) * mid, margin)) continue;
    state.counters.passThroughs++;
    state.counters.enters++;
    state.counters.exits++;
    const a = event(state, fix.tenantId, fix.deviceId, fence, 'enter', interpolate(device.lastTs, fix.ts, tIn),
      device.lastLat + (fix.lat - device.lastLat) * tIn, device.lastLon + (fix.lon - device.lastLon) * tIn);
    const b = event(state, fix.tenantId, fix.deviceId, fence, 'exit', interpolate(device.lastTs, fix.ts, tOut),
      device.lastLat + (fix.lat - device.lastLat) * tOut, device.lastLon + (fix.lon - device.lastLon) * tOut);
    a.passThrough = true;
    b.passThrough = true;
    out.push(a, b);
    return;
  }
}

function arrive(state: GeofenceState, tenantId: string, deviceId: string, m: Membership, out: GeofenceEvent[]): void {
  m.phase = DevicePhase.Arrived;
  state.counters.arrivals++;
  const e = event(state, tenantId, deviceId, m.fence, 'arrive', m.enteredAt, m.enterLat, m.enterLon);
  e.confirmedTs = m.enteredAt + m.fence.dwellInMs;
  out.push(e);
}

function depart(state: GeofenceState, tenantId: string, deviceId: string, m: Membership, out: GeofenceEvent[]): void {
  state.counters.departures++;
  const e = event(state, tenantId, deviceId, m.fence, 'depart', m.leftAt, m.leftLat, m.leftLon);
  e.confirmedTs = m.leftAt + m.fence.dwellOutMs;
  out.push(e);
}

function interpolate(t0: number, t1: number, t: number): number {
  return t0 === Number.NEGATIVE_INFINITY ? t1 : Math.round(t0 + (t1 - t0) * t);
}

/** Builds the event; runs only on a transition, so lookups and allocation here are off the common path. */
function event(
  state: GeofenceState,
  tenantId: string,
  deviceId: string,
  fence: CompiledFence,
  kind: GeofenceTransition,
  ts: number,
  lat: number,
  lon: number,
): GeofenceEvent {
  const directory = state.directory.tenant(tenantId);
  // A job's fence is a copy of its site's: events name the site's fence (the id the dispatcher knows).
  const geofenceId = fence.kind === 'job' && fence.siteId !== null ? (directory?.site(fence.siteId)?.geofenceId ?? fence.id) : fence.id;
  const e: GeofenceEvent = {
    v: WIRE_VERSION,
    id: `gf:${tenantId}:${deviceId}:${fence.id}:${kind}:${ts}`,
    tenantId,
    deviceId,
    geofenceId,
    fenceKind: fence.kind,
    transition: kind,
    ts,
    lat,
    lon,
    late: false,
  };
  const vehicleId = directory?.vehicleOf(deviceId) ?? null;
  if (vehicleId !== null) e.vehicleId = vehicleId;
  if (fence.siteId !== null) e.siteId = fence.siteId;
  if (fence.jobId !== null) e.jobId = fence.jobId;
  else if (fence.siteId !== null && vehicleId !== null) {
    const job = directory?.jobAtSite(vehicleId, fence.siteId);
    if (job) e.jobId = job.id;
  }
  return e;
}

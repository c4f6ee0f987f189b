import { WIRE_VERSION, type GeofenceEvent, type GeofenceShape, type GeofenceTransition } from '@fieldtrace/protocol';
import type { FleetDirectory } from '../fleet/fleet-directory.js';
import type { CompiledFence, FenceDef } from './compiled-fence.js';
import { DEFAULT_INDEX_OPTIONS, FenceIndex, type FenceIndexOptions } from './fence-index.js';

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

export interface GeofenceOptions {
  /** Upper bound of the hysteresis margin, metres (GEOFENCE_MAX_MARGIN_M). */
  maxMarginM: number;
  cellSizeM?: number;
}

export interface GeofenceCounters {
  fixes: number;
  /** Fixes not newer than the device's last processed one; see stepGeofence. */
  lateIgnored: number;
  enters: number;
  exits: number;
}

class DeviceFenceState {
  /** Event time of the last processed fix, Unix ms. */
  lastTs = Number.NEGATIVE_INFINITY;
  /** Fences the device is inside of; usually zero to two, so a list beats a set. */
  readonly inside: CompiledFence[] = [];
}

interface TenantFences {
  index: FenceIndex;
  devices: Map<string, DeviceFenceState>;
}

export interface GeofenceState {
  readonly indexOptions: FenceIndexOptions;
  readonly directory: FleetDirectory;
  readonly tenants: Map<string, TenantFences>;
  readonly counters: GeofenceCounters;
  /** Incremented per fix; fences seen as candidates for that fix carry it in `mark`. */
  stamp: number;
}

export function createGeofenceState(opts: GeofenceOptions, directory: FleetDirectory): GeofenceState {
  return {
    indexOptions: { ...DEFAULT_INDEX_OPTIONS, maxMarginM: opts.maxMarginM, cellSizeM: opts.cellSizeM ?? DEFAULT_INDEX_OPTIONS.cellSizeM },
    directory,
    tenants: new Map(),
    counters: { fixes: 0, lateIgnored: 0, enters: 0, exits: 0 },
    stamp: 0,
  };
}

function tenantFences(state: GeofenceState, tenantId: string): TenantFences {
  let t = state.tenants.get(tenantId);
  if (!t) state.tenants.set(tenantId, (t = { index: new FenceIndex(state.indexOptions), devices: new Map() }));
  return t;
}

export function upsertFence(state: GeofenceState, tenantId: string, def: FenceDef): void {
  tenantFences(state, tenantId).index.upsert(def);
}

/** Devices inside a removed fence forget it without an exit event: the fence, not the vehicle, went away. */
export function removeFence(state: GeofenceState, tenantId: string, fenceId: string): boolean {
  return state.tenants.get(tenantId)?.index.remove(fenceId) ?? false;
}

/** Makes a tenant's fences exactly `defs`: upserts each (in place for known ids) and removes the others. */
export function replaceFences(state: GeofenceState, tenantId: string, defs: Iterable<FenceDef>): void {
  const index = tenantFences(state, tenantId).index;
  const keep = new Set<string>();
  for (const def of defs) {
    index.upsert(def);
    keep.add(def.id);
  }
  for (const id of [...index.ids()]) if (!keep.has(id)) index.remove(id);
}

export function fenceOf(state: GeofenceState, tenantId: string, fenceId: string): CompiledFence | undefined {
  return state.tenants.get(tenantId)?.index.get(fenceId);
}

export function fenceShape(state: GeofenceState, tenantId: string, fenceId: string): GeofenceShape | undefined {
  return fenceOf(state, tenantId, fenceId)?.shape;
}

/**
 * Runs one fix through its tenant's fences and appends the enter/exit transitions it causes to `out`
 * (returns how many). Deterministic: the only inputs are the state, the fix and the directory.
 *
 * Hysteresis: with a known accuracy, margin = min(accuracy, maxMarginM); entering needs the fix inside the fence
 * shrunk by the margin, exiting needs it outside the fence grown by it, so jitter at a boundary cannot flap.
 *
 * Order: a fix not newer than the device's last processed fix is ignored and counted in `lateIgnored`. This first
 * cut has no event-time reorder buffer; store-and-forward backlogs arriving out of order are the full hot-path
 * issue's job (buffer by event time, then emit with `late: true` past the watermark).
 */
export function stepGeofence(state: GeofenceState, fix: FixInput, out: GeofenceEvent[]): number {
  state.counters.fixes++;
  const tenant = tenantFences(state, fix.tenantId);
  let device = tenant.devices.get(fix.deviceId);
  if (!device) tenant.devices.set(fix.deviceId, (device = new DeviceFenceState()));
  if (fix.ts <= device.lastTs) {
    state.counters.lateIgnored++;
    return 0;
  }
  device.lastTs = fix.ts;

  const lat = fix.lat;
  const lon = fix.lon;
  const accuracy = fix.accuracy;
  const margin = accuracy === undefined || !(accuracy > 0) ? 0 : Math.min(accuracy, state.indexOptions.maxMarginM);
  const stamp = ++state.stamp;
  const inside = device.inside;
  const before = out.length;

  const listed = tenant.index.cellFences(lat, lon);
  for (let i = 0; i < listed.length; i++) visit(state, fix, listed[i]!, inside, margin, stamp, out);
  const large = tenant.index.large;
  for (let i = 0; i < large.length; i++) visit(state, fix, large[i]!, inside, margin, stamp, out);

  // A fence the device is inside of but that was not a candidate lies beyond its grown box from here: exited.
  for (let i = inside.length - 1; i >= 0; i--) {
    const fence = inside[i]!;
    if (fence.mark === stamp) continue;
    inside.splice(i, 1);
    if (fence.live) out.push(transition(state, fix, fence, 'exit'));
  }
  return out.length - before;
}

function visit(
  state: GeofenceState,
  fix: FixInput,
  fence: CompiledFence,
  inside: CompiledFence[],
  margin: number,
  stamp: number,
  out: GeofenceEvent[],
): void {
  fence.mark = stamp;
  const at = inside.indexOf(fence);
  if (at < 0) {
    if (fence.containsShrunk(fix.lat, fix.lon, margin)) {
      inside.push(fence);
      out.push(transition(state, fix, fence, 'enter'));
    }
  } else if (fence.excludesGrown(fix.lat, fix.lon, margin)) {
    inside.splice(at, 1);
    out.push(transition(state, fix, fence, 'exit'));
  }
}

/** Builds the event; runs only on a transition, so lookups and allocation here are off the common path. */
function transition(state: GeofenceState, fix: FixInput, fence: CompiledFence, kind: GeofenceTransition): GeofenceEvent {
  if (kind === 'enter') state.counters.enters++;
  else state.counters.exits++;
  const event: GeofenceEvent = {
    v: WIRE_VERSION,
    id: `gf:${fix.tenantId}:${fix.deviceId}:${fence.id}:${kind}:${fix.ts}`,
    tenantId: fix.tenantId,
    deviceId: fix.deviceId,
    geofenceId: fence.id,
    transition: kind,
    ts: fix.ts,
    lat: fix.lat,
    lon: fix.lon,
    late: false,
  };
  const directory = state.directory.tenant(fix.tenantId);
  const vehicleId = directory?.vehicleOf(fix.deviceId) ?? null;
  if (vehicleId !== null) event.vehicleId = vehicleId;
  if (fence.siteId !== null) {
    event.siteId = fence.siteId;
    const job = vehicleId === null ? undefined : directory?.jobAtSite(vehicleId, fence.siteId);
    if (job) event.jobId = job.id;
  }
  return event;
}

import { WIRE_VERSION, type GeofenceEvent, type TimesheetEntry, type TimesheetKind, type TripEvent } from '@fieldtrace/protocol';
import type { FleetDirectory } from '../fleet/fleet-directory.js';

/**
 * Jobs driven by telemetry: a trip starting towards the vehicle's next job puts it "en route"; dwelling in the job's
 * fence makes it "on site" (at the time the vehicle entered); leaving for the fence's dwell-out time marks it
 * "departed". Time en route, on site and idle on site become timesheet entries for the job, its vehicle and crew.
 * Pure: the adapter applies the actions to the database (guarded, so a dispatcher's own change wins) and stores the
 * entries. Retractions of geofence events do not undo a status change; they are counted (a dispatcher corrects).
 */
export type JobActionKind = 'en_route' | 'on_site' | 'departed';

export interface JobAction {
  kind: JobActionKind;
  tenantId: string;
  jobId: string;
  vehicleId: string;
  /** Event time it happened, Unix ms. */
  ts: number;
  cause: 'trip' | 'geofence';
}

export interface JobAutomationCounters {
  actions: number;
  timesheets: number;
  retractionsIgnored: number;
}

class JobTrack {
  enRouteAt = Number.NaN;
  arrivedAt = Number.NaN;
  departedAt = Number.NaN;
  idleSince = Number.NaN;
  readonly vehicleId: string;

  constructor(vehicleId: string) {
    this.vehicleId = vehicleId;
  }
}

export interface JobAutomationState {
  readonly directory: FleetDirectory;
  /** tenantId → jobId → what telemetry has established about it. */
  readonly tenants: Map<string, Map<string, JobTrack>>;
  readonly counters: JobAutomationCounters;
}

export function createJobAutomationState(directory: FleetDirectory): JobAutomationState {
  return { directory, tenants: new Map(), counters: { actions: 0, timesheets: 0, retractionsIgnored: 0 } };
}

function track(state: JobAutomationState, tenantId: string, jobId: string, vehicleId: string): JobTrack {
  let jobs = state.tenants.get(tenantId);
  if (!jobs) state.tenants.set(tenantId, (jobs = new Map()));
  let t = jobs.get(jobId);
  if (!t) jobs.set(jobId, (t = new JobTrack(vehicleId)));
  return t;
}

/** Arrive and depart events of job fences (fenceKind 'job'); other geofence events are ignored. */
export function stepJobGeofence(state: JobAutomationState, e: GeofenceEvent, actions: JobAction[], entries: TimesheetEntry[]): void {
  if (e.fenceKind !== 'job' || e.jobId === undefined || e.vehicleId === undefined) return;
  if (e.retracts !== undefined) {
    state.counters.retractionsIgnored++;
    return;
  }
  const t = track(state, e.tenantId, e.jobId, e.vehicleId);
  if (e.transition === 'arrive' && Number.isNaN(t.arrivedAt)) {
    t.arrivedAt = e.ts;
    act(state, actions, 'on_site', e.tenantId, e.jobId, e.vehicleId, e.ts, 'geofence');
    if (t.enRouteAt <= e.ts) entry(state, entries, e.tenantId, e.jobId, e.vehicleId, 'en_route', t.enRouteAt, e.ts);
  } else if (e.transition === 'depart' && !Number.isNaN(t.arrivedAt) && Number.isNaN(t.departedAt)) {
    t.departedAt = e.ts;
    act(state, actions, 'departed', e.tenantId, e.jobId, e.vehicleId, e.ts, 'geofence');
    entry(state, entries, e.tenantId, e.jobId, e.vehicleId, 'on_site', t.arrivedAt, e.ts);
    if (!Number.isNaN(t.idleSince)) closeIdle(state, t, e.tenantId, e.jobId, e.ts, entries);
    // Leaving one job is setting off to the next.
    startNext(state, e.tenantId, e.vehicleId, e.ts, 'geofence', actions);
  }
}

/** Trip starts (en route to the next job) and idling while on site. */
export function stepJobTrip(state: JobAutomationState, e: TripEvent, actions: JobAction[], entries: TimesheetEntry[]): void {
  const vehicleId = e.vehicleId;
  if (vehicleId === undefined) return;
  if (e.kind === 'trip_start') {
    startNext(state, e.tenantId, vehicleId, e.ts, 'trip', actions);
    return;
  }
  if (e.kind !== 'idle_start' && e.kind !== 'idle_end') return;
  const jobs = state.tenants.get(e.tenantId);
  if (!jobs) return;
  for (const [jobId, t] of jobs) {
    if (t.vehicleId !== vehicleId || Number.isNaN(t.arrivedAt) || !Number.isNaN(t.departedAt)) continue;
    if (e.kind === 'idle_start') t.idleSince = Math.max(e.ts, t.arrivedAt);
    else if (!Number.isNaN(t.idleSince)) closeIdle(state, t, e.tenantId, jobId, e.ts, entries);
  }
}

/** Forgets jobs the directory no longer lists as open or on site (finished, cancelled, unassigned). */
export function pruneJobs(state: JobAutomationState, tenantId: string): void {
  const jobs = state.tenants.get(tenantId);
  const directory = state.directory.tenant(tenantId);
  if (!jobs || !directory) return;
  for (const jobId of [...jobs.keys()]) if (directory.job(jobId) === undefined) jobs.delete(jobId);
}

function startNext(state: JobAutomationState, tenantId: string, vehicleId: string, ts: number, cause: JobAction['cause'], actions: JobAction[]): void {
  // The next job is the first one in route order not yet reached; the directory may not have heard of an arrival yet.
  const known = state.tenants.get(tenantId);
  for (const job of state.directory.tenant(tenantId)?.jobsOf(vehicleId) ?? []) {
    const t = known?.get(job.id);
    if (job.status === 'on_site' || (t !== undefined && !Number.isNaN(t.arrivedAt))) continue;
    if (job.status !== 'assigned' && job.status !== 'scheduled') return; // already en route
    const next = t ?? track(state, tenantId, job.id, vehicleId);
    if (!Number.isNaN(next.enRouteAt)) return;
    next.enRouteAt = ts;
    act(state, actions, 'en_route', tenantId, job.id, vehicleId, ts, cause);
    return;
  }
}

function closeIdle(state: JobAutomationState, t: JobTrack, tenantId: string, jobId: string, ts: number, entries: TimesheetEntry[]): void {
  if (ts > t.idleSince) entry(state, entries, tenantId, jobId, t.vehicleId, 'idle', t.idleSince, ts);
  t.idleSince = Number.NaN;
}

function act(state: JobAutomationState, actions: JobAction[], kind: JobActionKind, tenantId: string, jobId: string, vehicleId: string, ts: number, cause: JobAction['cause']): void {
  state.counters.actions++;
  actions.push({ kind, tenantId, jobId, vehicleId, ts, cause });
}

function entry(
  state: JobAutomationState,
  entries: TimesheetEntry[],
  tenantId: string,
  jobId: string,
  vehicleId: string,
  kind: TimesheetKind,
  startedAt: number,
  endedAt: number,
): void {
  state.counters.timesheets++;
  entries.push({
    v: WIRE_VERSION,
    id: `ts:${jobId}:${kind}:${startedAt}`,
    tenantId,
    jobId,
    vehicleId,
    crewId: state.directory.tenant(tenantId)?.vehicle(vehicleId)?.crewId ?? null,
    kind,
    startedAt,
    endedAt,
    seconds: Math.round((endedAt - startedAt) / 1000),
  });
}

import type { EtaUpdate, Job, JobStatus, JobStatusChange, LatestPosition, Position, Site, Vehicle } from './types.js';

/** Statuses in which a job is still ahead of its vehicle (protocol OPEN_JOB_STATUSES; copied: types-only import). */
const OPEN: ReadonlySet<JobStatus> = new Set<JobStatus>(['scheduled', 'assigned', 'en_route']);
/** A device whose last fix is older than this is drawn grey and not counted online. */
export const STALE_MS = 2 * 60_000;

export interface NextStop {
  vehicle: Vehicle;
  job: Job;
  site: Site | undefined;
  eta: EtaUpdate | undefined;
}

/** What the page knows about the fleet: loaded over REST, then kept current by the live feed. */
export class Fleet {
  readonly vehicles = new Map<string, Vehicle>();
  readonly sites = new Map<string, Site>();
  readonly jobs = new Map<string, Job>();
  /** Latest ETA per job. */
  readonly etas = new Map<string, EtaUpdate>();
  /** Latest fix per device. */
  readonly positions = new Map<string, Position>();
  /** Which vehicle each device is fitted to, learnt from /v1/positions/latest. */
  readonly deviceVehicle = new Map<string, string>();
  /** Geofence names by id, for events on fences that belong to no site. */
  readonly fenceNames = new Map<string, string>();

  replace<T extends { id: string }>(map: Map<string, T>, items: readonly T[]): void {
    map.clear();
    for (const item of items) map.set(item.id, item);
  }

  setEtas(etas: readonly EtaUpdate[]): void {
    this.etas.clear();
    for (const eta of etas) this.applyEta(eta);
  }

  learnDevices(latest: readonly LatestPosition[]): void {
    for (const p of latest) if (p.vehicleId) this.deviceVehicle.set(p.deviceId, p.vehicleId);
  }

  /** True when the fix is newer than what we have (frames can repeat after a reconnect's snapshot). */
  applyPosition(p: Position): boolean {
    const known = this.positions.get(p.deviceId);
    if (known && (known.ts > p.ts || (known.ts === p.ts && known.seq >= p.seq))) return false;
    this.positions.set(p.deviceId, p);
    const vehicleId = (p as Partial<LatestPosition>).vehicleId;
    if (vehicleId) this.deviceVehicle.set(p.deviceId, vehicleId);
    return true;
  }

  applyEta(eta: EtaUpdate): void {
    const known = this.etas.get(eta.jobId);
    if (!known || known.basedOnTs <= eta.basedOnTs) this.etas.set(eta.jobId, eta);
  }

  /** Returns false when the job is not known yet (created after the page loaded): the caller reloads jobs. */
  applyJobChange(change: JobStatusChange): boolean {
    const job = this.jobs.get(change.jobId);
    if (!OPEN.has(change.to)) this.etas.delete(change.jobId);
    if (!job) return false;
    this.jobs.set(job.id, { ...job, status: change.to });
    return true;
  }

  deviceLabel(deviceId: string): string {
    const vehicleId = this.deviceVehicle.get(deviceId);
    return (vehicleId && this.vehicles.get(vehicleId)?.name) || deviceId;
  }

  vehicleLabel(vehicleId: string | undefined | null, deviceId: string): string {
    return (vehicleId && this.vehicles.get(vehicleId)?.name) || this.deviceLabel(deviceId);
  }

  siteLabel(siteId: string | undefined | null): string | null {
    return siteId ? (this.sites.get(siteId)?.name ?? siteId) : null;
  }

  placeLabel(siteId: string | undefined | null, geofenceId: string): string {
    return this.siteLabel(siteId) ?? this.fenceNames.get(geofenceId) ?? geofenceId;
  }

  vehicleName(vehicleId: string | null): string {
    return vehicleId === null ? 'unassigned' : (this.vehicles.get(vehicleId)?.name ?? vehicleId);
  }

  /** The newest fix of any device fitted to the vehicle. */
  vehiclePosition(vehicleId: string): Position | undefined {
    let best: Position | undefined;
    for (const [deviceId, vid] of this.deviceVehicle) {
      if (vid !== vehicleId) continue;
      const p = this.positions.get(deviceId);
      if (p && (!best || p.ts > best.ts)) best = p;
    }
    return best;
  }

  onlineCount(now: number): number {
    let n = 0;
    for (const p of this.positions.values()) if (now - p.ts < STALE_MS) n++;
    return n;
  }

  /** Each vehicle's next stop: its open job with the lowest route order (then earliest window), with the ETA if any. */
  nextStops(): NextStop[] {
    const best = new Map<string, Job>();
    for (const job of this.jobs.values()) {
      if (!job.vehicleId || !OPEN.has(job.status)) continue;
      const current = best.get(job.vehicleId);
      if (!current || compareStops(job, current) < 0) best.set(job.vehicleId, job);
    }
    const stops: NextStop[] = [];
    for (const [vehicleId, job] of best) {
      const vehicle = this.vehicles.get(vehicleId) ?? {
        id: vehicleId, tenantId: job.tenantId, name: vehicleId, kind: 'truck', crewId: null, speedLimitKmh: null, shiftStart: null, shiftEnd: null,
      };
      stops.push({ vehicle, job, site: this.sites.get(job.siteId), eta: this.etas.get(job.id) });
    }
    return stops.sort((a, b) => (a.eta?.eta ?? Infinity) - (b.eta?.eta ?? Infinity) || a.vehicle.name.localeCompare(b.vehicle.name));
  }
}

function compareStops(a: Job, b: Job): number {
  return (a.routeOrder ?? Infinity) - (b.routeOrder ?? Infinity) || (a.windowStart ?? Infinity) - (b.windowStart ?? Infinity) || a.id.localeCompare(b.id);
}

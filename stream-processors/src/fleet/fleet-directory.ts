import { OPEN_JOB_STATUSES, type JobStatus } from '@fieldtrace/protocol';

/**
 * What the cores need to know about a tenant's fleet besides its fences: which vehicle a device rides on, where
 * sites are, and each vehicle's unfinished jobs in route order. Plain data, replaced wholesale by the adapter when
 * the database says something changed; the cores only read it.
 */

export interface SiteInfo {
  id: string;
  lat: number;
  lon: number;
  geofenceId: string | null;
  /** Within this distance of the site's location the vehicle has arrived (ETA 0); see arrivalRadiusM(). */
  arrivalRadiusM: number;
}

export interface JobInfo {
  id: string;
  siteId: string;
  vehicleId: string;
  status: JobStatus;
  routeOrder: number | null;
  /** Appointment window, Unix ms. */
  windowStart: number | null;
  windowEnd?: number | null;
}

export interface VehicleInfo {
  id: string;
  crewId: string | null;
  speedLimitKmh: number | null;
}

const openStatuses: ReadonlySet<string> = new Set(OPEN_JOB_STATUSES);

export function isOpenJobStatus(status: string): boolean {
  return openStatuses.has(status);
}

/** Statuses in which a geofence event is attributed to the job: still ahead, or the crew is there now. */
export function isAttributableJobStatus(status: string): boolean {
  return status === 'on_site' || openStatuses.has(status);
}

/** Route order, then appointment window, then id; missing values last (as PostgreSQL's ASC NULLS LAST). */
export function compareJobs(a: JobInfo, b: JobInfo): number {
  return (
    compareNullable(a.routeOrder, b.routeOrder) ||
    compareNullable(a.windowStart, b.windowStart) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function compareNullable(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

export class TenantDirectory {
  readonly tenantId: string;
  /** deviceId → vehicleId (null: not mounted on a vehicle). */
  private devices = new Map<string, string | null>();
  private sites = new Map<string, SiteInfo>();
  /** vehicleId → its jobs that are open or on site, sorted by compareJobs. */
  private jobsByVehicle = new Map<string, JobInfo[]>();
  private jobsById = new Map<string, JobInfo>();
  private vehicles = new Map<string, VehicleInfo>();

  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }

  vehicleOf(deviceId: string): string | null {
    return this.devices.get(deviceId) ?? null;
  }

  vehicle(vehicleId: string): VehicleInfo | undefined {
    return this.vehicles.get(vehicleId);
  }

  /** An open or on-site job with a vehicle. */
  job(jobId: string): JobInfo | undefined {
    return this.jobsById.get(jobId);
  }

  /** Every open or on-site job with a vehicle. */
  allJobs(): IterableIterator<JobInfo> {
    return this.jobsById.values();
  }

  site(siteId: string): SiteInfo | undefined {
    return this.sites.get(siteId);
  }

  allSites(): IterableIterator<SiteInfo> {
    return this.sites.values();
  }

  /** The vehicle's next stop: its first job (in route order) still ahead of it. */
  nextJob(vehicleId: string): JobInfo | undefined {
    const jobs = this.jobsByVehicle.get(vehicleId);
    if (!jobs) return undefined;
    for (let i = 0; i < jobs.length; i++) if (openStatuses.has(jobs[i]!.status)) return jobs[i];
    return undefined;
  }

  /** The vehicle's open and on-site jobs in route order. */
  jobsOf(vehicleId: string): readonly JobInfo[] {
    return this.jobsByVehicle.get(vehicleId) ?? [];
  }

  /** The vehicle's job at a site that is open or in progress, if any (first in route order). */
  jobAtSite(vehicleId: string, siteId: string): JobInfo | undefined {
    const jobs = this.jobsByVehicle.get(vehicleId);
    if (!jobs) return undefined;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (job.siteId === siteId && isAttributableJobStatus(job.status)) return job;
    }
    return undefined;
  }

  replaceDevices(rows: Iterable<{ id: string; vehicleId: string | null }>): void {
    const next = new Map<string, string | null>();
    for (const r of rows) next.set(r.id, r.vehicleId);
    this.devices = next;
  }

  replaceVehicles(rows: Iterable<VehicleInfo>): void {
    const next = new Map<string, VehicleInfo>();
    for (const v of rows) next.set(v.id, v);
    this.vehicles = next;
  }

  replaceSites(rows: Iterable<SiteInfo>): void {
    const next = new Map<string, SiteInfo>();
    for (const s of rows) next.set(s.id, s);
    this.sites = next;
  }

  /** Jobs in any status may be given; only those a vehicle still has ahead of it or is working on are kept. */
  replaceJobs(rows: Iterable<JobInfo>): void {
    const next = new Map<string, JobInfo[]>();
    const byId = new Map<string, JobInfo>();
    for (const job of rows) {
      if (!isAttributableJobStatus(job.status)) continue;
      byId.set(job.id, job);
      let list = next.get(job.vehicleId);
      if (!list) next.set(job.vehicleId, (list = []));
      list.push(job);
    }
    for (const list of next.values()) list.sort(compareJobs);
    this.jobsByVehicle = next;
    this.jobsById = byId;
  }
}

export class FleetDirectory {
  private readonly tenants = new Map<string, TenantDirectory>();

  tenant(tenantId: string): TenantDirectory | undefined {
    return this.tenants.get(tenantId);
  }

  ensure(tenantId: string): TenantDirectory {
    let t = this.tenants.get(tenantId);
    if (!t) this.tenants.set(tenantId, (t = new TenantDirectory(tenantId)));
    return t;
  }
}

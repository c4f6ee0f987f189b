import { CompiledSchema, GeofenceShape, OPEN_JOB_STATUSES, type JobStatus } from '@fieldtrace/protocol';
import type { Db } from '@fieldtrace/store';
import type { Logger } from '@fieldtrace/service-kit';
import type { FenceDef, FenceKind } from '../geofence/compiled-fence.js';
import type { JobInfo, VehicleInfo } from '../fleet/fleet-directory.js';

/**
 * Reads what the cores cache from the database. Each loader takes an optional tenant (none: every tenant, for
 * start-up) and returns rows keyed by tenant, so start-up costs four queries whatever the number of tenants.
 */

export type ByTenant<T> = Map<string, T[]>;

export interface DeviceRow {
  id: string;
  vehicleId: string | null;
}

export interface SiteRow {
  id: string;
  lat: number;
  lon: number;
  geofenceId: string | null;
}

const shapeSchema = new CompiledSchema(GeofenceShape);
const ATTRIBUTABLE_STATUSES: readonly JobStatus[] = [...OPEN_JOB_STATUSES, 'on_site'];

function group<R extends { tenant_id: string }, T>(rows: readonly R[], map: (row: R) => T | null): ByTenant<T> {
  const out: ByTenant<T> = new Map();
  for (const row of rows) {
    const value = map(row);
    if (value === null) continue;
    let list = out.get(row.tenant_id);
    if (!list) out.set(row.tenant_id, (list = []));
    list.push(value);
  }
  return out;
}

/** `WHERE` over the given conditions (`$n` numbered in order of `params`), or nothing. */
function where(conditions: Array<[sql: string, param: unknown] | string>): { clause: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of conditions) {
    if (typeof c === 'string') {
      parts.push(c);
    } else {
      params.push(c[1]);
      parts.push(c[0].replace('?', `$${params.length}`));
    }
  }
  return { clause: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}

const byTenant = (tenantId: string | undefined): Array<[string, unknown]> => (tenantId === undefined ? [] : [['tenant_id = ?', tenantId]]);

export async function loadTenantIds(db: Db): Promise<string[]> {
  const rows = await db.query<{ id: string }>('SELECT id FROM tenants');
  return rows.map((r) => r.id);
}

export async function loadDevices(db: Db, tenantId?: string): Promise<ByTenant<DeviceRow>> {
  const w = where(byTenant(tenantId));
  const rows = await db.query<{ tenant_id: string; id: string; vehicle_id: string | null }>(
    `SELECT tenant_id, id, vehicle_id FROM devices ${w.clause}`,
    w.params,
  );
  return group(rows, (r) => ({ id: r.id, vehicleId: r.vehicle_id }));
}

export async function loadSites(db: Db, tenantId?: string): Promise<ByTenant<SiteRow>> {
  const w = where(byTenant(tenantId));
  const rows = await db.query<{ tenant_id: string; id: string; lat: number; lon: number; geofence_id: string | null }>(
    `SELECT tenant_id, id, lat, lon, geofence_id FROM sites ${w.clause}`,
    w.params,
  );
  return group(rows, (r) => ({ id: r.id, lat: r.lat, lon: r.lon, geofenceId: r.geofence_id }));
}

/** Jobs that are attributable (open or on site) and assigned to a vehicle: the only ones the cores look at. */
export async function loadJobs(db: Db, tenantId?: string): Promise<ByTenant<JobInfo>> {
  const w = where([...byTenant(tenantId), 'vehicle_id IS NOT NULL', ['status = ANY(?::text[])', ATTRIBUTABLE_STATUSES]]);
  const rows = await db.query<{
    tenant_id: string;
    id: string;
    site_id: string;
    vehicle_id: string;
    status: JobStatus;
    route_order: number | null;
    window_start: Date | null;
    window_end: Date | null;
  }>(`SELECT tenant_id, id, site_id, vehicle_id, status, route_order, window_start, window_end FROM jobs ${w.clause}`, w.params);
  return group(rows, (r) => ({
    id: r.id,
    siteId: r.site_id,
    vehicleId: r.vehicle_id,
    status: r.status,
    routeOrder: r.route_order,
    windowStart: r.window_start === null ? null : r.window_start.getTime(),
    windowEnd: r.window_end === null ? null : r.window_end.getTime(),
  }));
}

export async function loadVehicles(db: Db, tenantId?: string): Promise<ByTenant<VehicleInfo>> {
  const w = where(byTenant(tenantId));
  const rows = await db.query<{ tenant_id: string; id: string; crew_id: string | null; speed_limit_kmh: number | null }>(
    `SELECT tenant_id, id, crew_id, speed_limit_kmh FROM vehicles ${w.clause}`,
    w.params,
  );
  return group(rows, (r) => ({ id: r.id, crewId: r.crew_id, speedLimitKmh: r.speed_limit_kmh }));
}

/** Fences, one or all of a tenant's; a row whose shape does not match the protocol is logged and skipped. */
export async function loadFences(db: Db, logger: Logger, tenantId?: string, fenceId?: string): Promise<ByTenant<FenceDef>> {
  const w = where([...byTenant(tenantId), ...(fenceId === undefined ? [] : [['id = ?', fenceId] as [string, unknown]])]);
  const rows = await db.query<{
    tenant_id: string;
    id: string;
    site_id: string | null;
    shape: unknown;
    kind: FenceKind;
    dwell_in_s: number | null;
    dwell_out_s: number | null;
    speed_limit_kmh: number | null;
  }>(`SELECT tenant_id, id, site_id, shape, kind, dwell_in_s, dwell_out_s, speed_limit_kmh FROM geofences ${w.clause}`, w.params);
  return group(rows, (r) => {
    if (!shapeSchema.is(r.shape)) {
      logger.warn({ tenantId: r.tenant_id, geofenceId: r.id, problem: shapeSchema.explain(r.shape) }, 'geofence shape invalid; fence skipped');
      return null;
    }
    return {
      id: r.id,
      siteId: r.site_id,
      shape: r.shape,
      kind: r.kind,
      dwellInS: r.dwell_in_s,
      dwellOutS: r.dwell_out_s,
      speedLimitKmh: r.speed_limit_kmh,
    };
  });
}

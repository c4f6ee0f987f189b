import type {
  Device, Geofence, GeofenceKind, GeofenceShape, Job, JobStatus, Position, Site, SiteRoof, Tenant, TimesheetEntry, TimesheetKind,
  Vehicle,
} from '@fieldtrace/protocol';

/** Row shapes as the store returns them (int8 → number, timestamptz → Date) and their API DTOs. */

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
const msOrNull = (d: Date | null) => (d ? d.getTime() : null);

export interface TenantRow { id: string; name: string; created_at: Date }
export const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, createdAt: iso(r.created_at) });

export interface DeviceRow {
  tenant_id: string; id: string; kind: Device['kind']; vehicle_id: string | null; profile: string | null;
  created_at: Date; last_seen_at: Date | null;
}
export const DEVICE_COLUMNS = 'tenant_id, id, kind, vehicle_id, profile, created_at, last_seen_at';
export const toDevice = (r: DeviceRow): Device => ({
  id: r.id, tenantId: r.tenant_id, kind: r.kind, vehicleId: r.vehicle_id, profile: r.profile,
  createdAt: iso(r.created_at), lastSeenAt: isoOrNull(r.last_seen_at),
});

export interface VehicleRow {
  tenant_id: string; id: string; name: string; kind: string; crew_id: string | null; speed_limit_kmh: number | null;
  shift_start: Date | null; shift_end: Date | null;
}
export const VEHICLE_COLUMNS = 'tenant_id, id, name, kind, crew_id, speed_limit_kmh, shift_start, shift_end';
export const toVehicle = (r: VehicleRow): Vehicle => ({
  id: r.id, tenantId: r.tenant_id, name: r.name, kind: r.kind, crewId: r.crew_id, speedLimitKmh: r.speed_limit_kmh,
  shiftStart: msOrNull(r.shift_start), shiftEnd: msOrNull(r.shift_end),
});

export interface SiteRow {
  tenant_id: string; id: string; name: string; address: string | null; lon: number; lat: number;
  customer_id: string | null; geofence_id: string | null; roof: SiteRoof | null;
}
export const SITE_COLUMNS = 'tenant_id, id, name, address, lon, lat, customer_id, geofence_id, roof';
export const toSite = (r: SiteRow): Site => ({
  id: r.id, tenantId: r.tenant_id, name: r.name, address: r.address, location: [r.lon, r.lat],
  customerId: r.customer_id, geofenceId: r.geofence_id, roof: r.roof,
});

export interface GeofenceRow {
  tenant_id: string; id: string; name: string; site_id: string | null; shape: GeofenceShape; kind: GeofenceKind;
  dwell_in_s: number | null; dwell_out_s: number | null; speed_limit_kmh: number | null;
}
export const GEOFENCE_COLUMNS = 'tenant_id, id, name, site_id, shape, kind, dwell_in_s, dwell_out_s, speed_limit_kmh';
export const toGeofence = (r: GeofenceRow): Geofence => ({
  id: r.id, tenantId: r.tenant_id, name: r.name, siteId: r.site_id, shape: r.shape, kind: r.kind,
  dwellInS: r.dwell_in_s, dwellOutS: r.dwell_out_s, speedLimitKmh: r.speed_limit_kmh,
});

export interface JobRow {
  tenant_id: string; id: string; site_id: string; title: string; status: JobStatus; vehicle_id: string | null;
  window_start: Date | null; window_end: Date | null; route_order: number | null;
  started_at: Date | null; completed_at: Date | null; en_route_at: Date | null; arrived_at: Date | null; departed_at: Date | null;
  priority: number; service_s: number; required_skills: string[];
}
export const JOB_COLUMNS =
  'tenant_id, id, site_id, title, status, vehicle_id, window_start, window_end, route_order, started_at, completed_at, ' +
  'en_route_at, arrived_at, departed_at, priority, service_s, required_skills';
export const toJob = (r: JobRow): Job => ({
  id: r.id, tenantId: r.tenant_id, siteId: r.site_id, title: r.title, status: r.status, vehicleId: r.vehicle_id,
  windowStart: msOrNull(r.window_start), windowEnd: msOrNull(r.window_end), routeOrder: r.route_order,
  startedAt: msOrNull(r.started_at), completedAt: msOrNull(r.completed_at),
  enRouteAt: msOrNull(r.en_route_at), arrivedAt: msOrNull(r.arrived_at), departedAt: msOrNull(r.departed_at),
  priority: r.priority, serviceS: r.service_s, requiredSkills: r.required_skills,
});

export interface TimesheetRow {
  tenant_id: string; id: string; job_id: string; vehicle_id: string; crew_id: string | null; kind: TimesheetKind;
  started_at: Date; ended_at: Date; seconds: number;
}
export const TIMESHEET_COLUMNS = 'tenant_id, id, job_id, vehicle_id, crew_id, kind, started_at, ended_at, seconds';
export const toTimesheetEntry = (r: TimesheetRow): TimesheetEntry => ({
  v: 1, id: r.id, tenantId: r.tenant_id, jobId: r.job_id, vehicleId: r.vehicle_id, crewId: r.crew_id, kind: r.kind,
  startedAt: r.started_at.getTime(), endedAt: r.ended_at.getTime(), seconds: r.seconds,
});

export interface PositionRow {
  tenant_id: string; device_id: string; seq: number; ts: Date; received_at: Date; lat: number; lon: number;
  alt: number | null; accuracy: number | null; speed: number | null; heading: number | null; fix: Position['fix'];
}
export const POSITION_COLUMNS = 'tenant_id, device_id, seq, ts, received_at, lat, lon, alt, accuracy, speed, heading, fix';
export function toPosition(r: PositionRow): Position {
  const p: Position = {
    v: 1, tenantId: r.tenant_id, deviceId: r.device_id, seq: r.seq, ts: r.ts.getTime(),
    receivedAt: r.received_at.getTime(), lat: r.lat, lon: r.lon, fix: r.fix,
  };
  // Optional on the wire: absent rather than null, as the device sent it.
  if (r.alt !== null) p.alt = r.alt;
  if (r.accuracy !== null) p.accuracy = r.accuracy;
  if (r.speed !== null) p.speed = r.speed;
  if (r.heading !== null) p.heading = r.heading;
  return p;
}

import type { Db } from '@fieldtrace/store';
import type { PlanningJob, PlanningVehicle } from './day-problem.js';

/** Open jobs with their site's location; an on-site job the crew has already left is neither movable nor under way. */
const OPEN_JOBS = /* sql */ `
SELECT j.id, s.lat, s.lon, j.status, j.vehicle_id, j.route_order, j.window_start, j.window_end, j.priority, j.service_s,
       j.required_skills, j.arrived_at
FROM jobs j JOIN sites s ON s.tenant_id = j.tenant_id AND s.id = j.site_id
WHERE j.tenant_id = $1 AND j.status IN ('scheduled', 'assigned', 'en_route', 'on_site')
  AND NOT (j.status = 'on_site' AND j.departed_at IS NOT NULL)`;

/** Vehicles with their crew's skills, shift, and the newest fix of any device mounted on them. */
const VEHICLES = /* sql */ `
SELECT v.id, v.shift_start, v.shift_end, COALESCE(c.skills, '{}'::text[]) AS skills, p.lat, p.lon, p.ts
FROM vehicles v
LEFT JOIN crews c ON c.tenant_id = v.tenant_id AND c.id = v.crew_id
LEFT JOIN LATERAL (
  SELECT pos.lat, pos.lon, pos.ts FROM devices d
  CROSS JOIN LATERAL (
    SELECT lat, lon, ts FROM positions WHERE tenant_id = d.tenant_id AND device_id = d.id ORDER BY ts DESC LIMIT 1
  ) pos
  WHERE d.tenant_id = v.tenant_id AND d.vehicle_id = v.id
  ORDER BY pos.ts DESC LIMIT 1
) p ON true
WHERE v.tenant_id = $1`;

const ms = (d: Date | null) => (d === null ? null : d.getTime());

export async function loadOpenJobs(db: Db, tenantId: string): Promise<PlanningJob[]> {
  const rows = await db.query<{
    id: string; lat: number; lon: number; status: string; vehicle_id: string | null; route_order: number | null;
    window_start: Date | null; window_end: Date | null; priority: number; service_s: number; required_skills: string[];
    arrived_at: Date | null;
  }>(OPEN_JOBS, [tenantId]);
  return rows.map((r) => ({
    id: r.id, lat: r.lat, lon: r.lon, status: r.status, vehicleId: r.vehicle_id, routeOrder: r.route_order,
    windowStart: ms(r.window_start), windowEnd: ms(r.window_end), priority: r.priority, serviceS: r.service_s,
    requiredSkills: r.required_skills, arrivedAt: ms(r.arrived_at),
  }));
}

export async function loadPlanningVehicles(db: Db, tenantId: string): Promise<PlanningVehicle[]> {
  const rows = await db.query<{
    id: string; shift_start: Date | null; shift_end: Date | null; skills: string[]; lat: number | null; lon: number | null; ts: Date | null;
  }>(VEHICLES, [tenantId]);
  return rows.map((r) => ({
    id: r.id, lat: r.lat, lon: r.lon, positionTs: ms(r.ts), skills: r.skills, shiftStart: ms(r.shift_start), shiftEnd: ms(r.shift_end),
  }));
}

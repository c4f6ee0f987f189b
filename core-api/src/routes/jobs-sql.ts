import { JOB_COLUMNS } from '../domain/rows.js';

/** Events are keyed deterministically so a retried request records a status change once. */
export const jobEventId = (jobId: string, to: string, ts: number) => `job:${jobId}:${to}:${ts}`;

/** Times arrive as Unix ms ($n::bigint) and are stored as timestamptz. */
const ms = (n: number) => `to_timestamp($${n}::bigint / 1000.0)`;

/** $10 priority, $11 service seconds, $12 required skills: NULL takes the column default. */
export const INSERT_JOB = /* sql */ `
INSERT INTO jobs (tenant_id, id, site_id, title, status, vehicle_id, window_start, window_end, route_order,
                  priority, service_s, required_skills)
VALUES ($1, $2, $3, $4, $5, $6, ${ms(7)}, ${ms(8)}, $9,
        COALESCE($10::smallint, 0), COALESCE($11::integer, 1800), COALESCE($12::text[], '{}'))
RETURNING ${JOB_COLUMNS}`;

/** $1 event id, $2 tenant, $3 job, $4 vehicle, $5 new status, $6 ts (ms). Creation is the change from null. */
export const CREATE_JOB_EVENT = /* sql */ `
INSERT INTO events (id, tenant_id, kind, ts, vehicle_id, job_id, data)
VALUES ($1, $2, 'job', ${ms(6)}, $4, $3,
        jsonb_build_object('v', 1, 'tenantId', $2::text, 'jobId', $3::text, 'from', NULL, 'to', $5::text, 'ts', $6::bigint, 'cause', 'api'))
ON CONFLICT (id) DO NOTHING`;

/**
 * The whole PATCH in one statement, so the status read, the update and the event cannot interleave with another
 * request: lock the row, compute the new status, update, and record the change only if the status moved.
 * $1 tenant, $2 job, $3 title, $4 vehicle, $5 window start, $6 window end, $7 route order, $8 status, $9 now (ms),
 * $10 priority, $11 service seconds, $12 required skills.
 */
export const PATCH_JOB = /* sql */ `
WITH old AS (
  SELECT status FROM jobs WHERE tenant_id = $1 AND id = $2 FOR UPDATE
), calc AS (
  SELECT old.status AS old_status,
         COALESCE($8::text, CASE WHEN $4::text IS NOT NULL AND old.status = 'scheduled' THEN 'assigned' ELSE old.status END) AS new_status
  FROM old
), upd AS (
  UPDATE jobs j SET
    title = COALESCE($3::text, j.title),
    vehicle_id = COALESCE($4::text, j.vehicle_id),
    window_start = COALESCE(${ms(5)}, j.window_start),
    window_end = COALESCE(${ms(6)}, j.window_end),
    route_order = COALESCE($7::int, j.route_order),
    priority = COALESCE($10::smallint, j.priority),
    service_s = COALESCE($11::integer, j.service_s),
    required_skills = COALESCE($12::text[], j.required_skills),
    status = calc.new_status,
    started_at = CASE WHEN calc.new_status = 'on_site' AND j.started_at IS NULL THEN ${ms(9)} ELSE j.started_at END,
    completed_at = CASE WHEN calc.new_status = 'completed' AND j.completed_at IS NULL THEN ${ms(9)} ELSE j.completed_at END,
    updated_at = now()
  FROM calc
  WHERE j.tenant_id = $1 AND j.id = $2
  RETURNING ${JOB_COLUMNS.split(', ').map((c) => `j.${c}`).join(', ')}, calc.old_status
), ev AS (
  INSERT INTO events (id, tenant_id, kind, ts, vehicle_id, job_id, data)
  SELECT 'job:' || upd.id || ':' || upd.status || ':' || $9::bigint, upd.tenant_id, 'job', ${ms(9)}, upd.vehicle_id, upd.id,
         jsonb_build_object('v', 1, 'tenantId', upd.tenant_id, 'jobId', upd.id, 'from', upd.old_status, 'to', upd.status,
                            'ts', $9::bigint, 'cause', 'api')
  FROM upd WHERE upd.status IS DISTINCT FROM upd.old_status
  ON CONFLICT (id) DO NOTHING
)
SELECT * FROM upd`;

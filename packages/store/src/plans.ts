import type { EntityChanged, JobStatus, JobStatusChange, Plan } from '@fieldtrace/protocol';
import type { Db } from './db.js';

/**
 * Route plans (table `plans`): what the re-planning service proposes, and applying one to the jobs. Used by the
 * API (dispatchers apply or reject) and by the re-planning service (tenants that apply automatically), so nothing
 * here knows about HTTP. A plan's `status` and `applied_at` columns are authoritative; the stored JSON keeps the
 * plan as it was proposed and is overlaid with them on every read.
 */

type PlanStatus = Plan['status'];

interface PlanRow {
  plan: Plan;
  status: PlanStatus;
  applied_at: Date | null;
}

const PLAN_COLUMNS = 'plan, status, applied_at';

function toPlan(r: PlanRow): Plan {
  const plan: Plan = { ...r.plan, status: r.status };
  if (r.applied_at) plan.appliedAt = r.applied_at.getTime();
  else delete plan.appliedAt;
  return plan;
}

/** Stores a plan (idempotent on its id). Returns false when a plan with that id was already there. */
export async function savePlan(db: Db, plan: Plan, vroomInput?: unknown, vroomOutput?: unknown): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO plans (tenant_id, id, created_at, status, trigger_kind, plan, vroom_input, vroom_output, applied_at)
     VALUES ($1, $2, to_timestamp($3::bigint / 1000.0), $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, to_timestamp($9::bigint / 1000.0))
     ON CONFLICT (tenant_id, id) DO NOTHING
     RETURNING id`,
    [
      plan.tenantId, plan.id, plan.createdAt, plan.status, plan.trigger.kind, JSON.stringify(plan),
      vroomInput === undefined ? null : JSON.stringify(vroomInput),
      vroomOutput === undefined ? null : JSON.stringify(vroomOutput),
      plan.appliedAt ?? null,
    ],
  );
  return rows.length > 0;
}

export async function getPlan(db: Db, tenantId: string, planId: string): Promise<Plan | null> {
  const [row] = await db.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM plans WHERE tenant_id = $1 AND id = $2`, [tenantId, planId]);
  return row ? toPlan(row) : null;
}

/** The VROOM problem and answer a plan came from, for replaying it against another VROOM; null when no such plan. */
export async function getPlanVroom(db: Db, tenantId: string, planId: string): Promise<{ input: unknown; output: unknown } | null> {
  const [row] = await db.query<{ vroom_input: unknown; vroom_output: unknown }>(
    'SELECT vroom_input, vroom_output FROM plans WHERE tenant_id = $1 AND id = $2',
    [tenantId, planId],
  );
  return row ? { input: row.vroom_input, output: row.vroom_output } : null;
}

/** Newest first. */
export async function listPlans(db: Db, tenantId: string, opts: { limit?: number; status?: PlanStatus } = {}): Promise<Plan[]> {
  const rows = await db.query<PlanRow>(
    `SELECT ${PLAN_COLUMNS} FROM plans WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [tenantId, opts.status ?? null, opts.limit ?? 20],
  );
  return rows.map(toPlan);
}

/** Marks a proposed plan rejected. Returns the plan as it now stands, and whether this call rejected it. */
export async function rejectPlan(db: Db, tenantId: string, planId: string): Promise<{ rejected: boolean; plan: Plan | null }> {
  const [row] = await db.query<PlanRow>(
    `UPDATE plans SET status = 'rejected' WHERE tenant_id = $1 AND id = $2 AND status = 'proposed' RETURNING ${PLAN_COLUMNS}`,
    [tenantId, planId],
  );
  if (row) return { rejected: true, plan: toPlan(row) };
  return { rejected: false, plan: await getPlan(db, tenantId, planId) };
}

/** One job the plan changed: its vehicle, place in the route, or status (scheduled ↔ assigned). */
export interface AppliedJobChange {
  jobId: string;
  fromStatus: JobStatus;
  toStatus: JobStatus;
  fromVehicleId: string | null;
  toVehicleId: string | null;
  fromOrder: number | null;
  toOrder: number | null;
}

export interface ApplyPlanResult {
  /** False when the plan does not exist or is no longer proposed; nothing was changed then. */
  applied: boolean;
  /** The plan as it now stands (status 'applied' when this call applied it); null when there is no such plan. */
  plan: Plan | null;
  /** The tenant's other proposed plans, now 'superseded'. */
  superseded: Plan[];
  changedJobs: AppliedJobChange[];
}

/** The `cause` of the job status changes a plan makes (events and JobStatusChange). */
export const PLANNER_CAUSE = 'planner';

/**
 * The whole apply as one statement, so it is one transaction and reads and writes the same snapshot (as core-api's
 * PATCH_JOB): mark the plan applied (only if still proposed), supersede the tenant's other proposed plans, place
 * every job the plan routes (route_order = its index among the route's stops, 0-based, as the planner computes
 * moves) and unplace every job it leaves unassigned, recording status changes as job events.
 *
 * Only open jobs are touched. A job under way (en_route, on_site) keeps its vehicle: the planner never moves one, and
 * a stale plan must not either; it takes the plan's route order only when the plan keeps it on its vehicle.
 * 'scheduled' becomes 'assigned' when the job gets a vehicle, 'assigned' becomes 'scheduled' when it loses it.
 * $1 tenant, $2 plan, $3 now (Unix ms).
 */
const APPLY_PLAN = /* sql */ `
WITH p AS (
  UPDATE plans SET status = 'applied', applied_at = to_timestamp($3::bigint / 1000.0)
  WHERE tenant_id = $1 AND id = $2 AND status = 'proposed'
  RETURNING plan, status, applied_at
), superseded AS (
  UPDATE plans SET status = 'superseded'
  WHERE tenant_id = $1 AND id <> $2 AND status = 'proposed' AND EXISTS (SELECT 1 FROM p)
  RETURNING id, plan
), placed AS (
  SELECT r.value->>'vehicleId' AS vehicle_id, s.value->>'jobId' AS job_id, (s.ordinality - 1)::int AS route_order, 0 AS rank
  FROM p, jsonb_array_elements(p.plan->'routes') r, jsonb_array_elements(r.value->'stops') WITH ORDINALITY s
  UNION ALL
  SELECT NULL, u.value #>> '{}', NULL, 1 FROM p, jsonb_array_elements(p.plan->'unassigned') u
), planned AS (
  -- A job listed twice (a malformed plan) is placed once: its first route stop wins over "unassigned".
  SELECT DISTINCT ON (job_id) job_id, vehicle_id, route_order FROM placed ORDER BY job_id, rank, vehicle_id, route_order
), calc AS (
  SELECT j.id, j.status AS old_status, j.vehicle_id AS old_vehicle_id, j.route_order AS old_route_order,
         CASE WHEN j.status IN ('en_route', 'on_site') THEN j.vehicle_id ELSE pl.vehicle_id END AS vehicle_id,
         CASE WHEN j.status IN ('en_route', 'on_site') AND pl.vehicle_id IS DISTINCT FROM j.vehicle_id THEN j.route_order
              ELSE pl.route_order END AS route_order,
         CASE WHEN j.status = 'scheduled' AND pl.vehicle_id IS NOT NULL THEN 'assigned'
              WHEN j.status = 'assigned' AND pl.vehicle_id IS NULL THEN 'scheduled'
              ELSE j.status END AS status
  FROM planned pl JOIN jobs j ON j.tenant_id = $1 AND j.id = pl.job_id
  WHERE j.status IN ('scheduled', 'assigned', 'en_route', 'on_site')
  FOR UPDATE OF j
), upd AS (
  UPDATE jobs j SET vehicle_id = c.vehicle_id, route_order = c.route_order, status = c.status, updated_at = now()
  FROM calc c
  WHERE j.tenant_id = $1 AND j.id = c.id
    AND (c.vehicle_id IS DISTINCT FROM c.old_vehicle_id OR c.route_order IS DISTINCT FROM c.old_route_order OR c.status <> c.old_status)
  RETURNING j.id, j.status, j.vehicle_id, j.route_order, c.old_status, c.old_vehicle_id, c.old_route_order
), ev AS (
  INSERT INTO events (id, tenant_id, kind, ts, vehicle_id, job_id, data)
  SELECT 'job:' || upd.id || ':' || upd.status || ':' || $3::bigint, $1, 'job', to_timestamp($3::bigint / 1000.0), upd.vehicle_id, upd.id,
         jsonb_build_object('v', 1, 'tenantId', $1::text, 'jobId', upd.id, 'from', upd.old_status, 'to', upd.status,
                            'ts', $3::bigint, 'cause', '${PLANNER_CAUSE}')
  FROM upd WHERE upd.status <> upd.old_status
  ON CONFLICT (id) DO NOTHING
)
SELECT (SELECT row_to_json(p) FROM p) AS applied,
       COALESCE((SELECT jsonb_agg(plan ORDER BY id) FROM superseded), '[]'::jsonb) AS superseded,
       COALESCE((SELECT jsonb_agg(jsonb_build_object(
         'jobId', id, 'fromStatus', old_status, 'toStatus', status, 'fromVehicleId', old_vehicle_id, 'toVehicleId', vehicle_id,
         'fromOrder', old_route_order, 'toOrder', route_order) ORDER BY id) FROM upd), '[]'::jsonb) AS changes`;

/** Applies a proposed plan to the tenant's jobs in one transaction (see APPLY_PLAN); `now` is Unix ms. */
export async function applyPlan(db: Db, tenantId: string, planId: string, now: number): Promise<ApplyPlanResult> {
  const [row] = await db.query<{
    applied: { plan: Plan; status: PlanStatus; applied_at: string } | null;
    superseded: Plan[];
    changes: AppliedJobChange[];
  }>(APPLY_PLAN, [tenantId, planId, now]);
  if (!row?.applied) return { applied: false, plan: await getPlan(db, tenantId, planId), superseded: [], changedJobs: [] };
  const plan: Plan = { ...row.applied.plan, status: 'applied', appliedAt: now };
  const superseded = row.superseded.map((p): Plan => ({ ...p, status: 'superseded' }));
  return { applied: true, plan, superseded, changedJobs: row.changes };
}

/**
 * What the bus should hear after an apply, in order: a JobStatusChange per status change (cause 'planner'), an
 * EntityChanged per changed job (the processors reload it), then the plans (bus kind `plan`): the applied one and those
 * it superseded (so a dashboard showing one of them drops its Apply button). Built here so the API and the
 * re-planning service announce an apply identically.
 */
export function planAppliedMessages(result: ApplyPlanResult, now: number): { statusChanges: JobStatusChange[]; changed: EntityChanged[]; plans: Plan[] } {
  if (!result.applied || !result.plan) return { statusChanges: [], changed: [], plans: [] };
  const tenantId = result.plan.tenantId;
  const statusChanges: JobStatusChange[] = [];
  const changed: EntityChanged[] = [];
  for (const c of result.changedJobs) {
    if (c.fromStatus !== c.toStatus) {
      statusChanges.push({ v: 1, tenantId, jobId: c.jobId, from: c.fromStatus, to: c.toStatus, ts: now, cause: PLANNER_CAUSE });
    }
    changed.push({ v: 1, tenantId, entity: 'job', id: c.jobId, op: 'upsert' });
  }
  return { statusChanges, changed, plans: [result.plan, ...result.superseded] };
}

/** A tenant's planning settings (tenants.plan_auto_apply); null when there is no such tenant. */
export async function loadPlanningSettings(db: Db, tenantId: string): Promise<{ autoApply: boolean } | null> {
  const [row] = await db.query<{ plan_auto_apply: boolean }>('SELECT plan_auto_apply FROM tenants WHERE id = $1', [tenantId]);
  return row ? { autoApply: row.plan_auto_apply } : null;
}

export async function savePlanningSettings(db: Db, tenantId: string, settings: { autoApply: boolean }): Promise<{ autoApply: boolean } | null> {
  const [row] = await db.query<{ plan_auto_apply: boolean }>(
    'UPDATE tenants SET plan_auto_apply = $2 WHERE id = $1 RETURNING plan_auto_apply',
    [tenantId, settings.autoApply],
  );
  return row ? { autoApply: row.plan_auto_apply } : null;
}

import { busTopic, type EntityChanged, type JobStatus, type JobStatusChange, type TimesheetEntry } from '@fieldtrace/protocol';
import type { Bus, Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import type { JobAction, JobActionKind } from '../jobs/job-automation.js';

const ms = (n: number) => `to_timestamp($${n}::bigint / 1000.0)`;

interface Transition {
  column: 'en_route_at' | 'arrived_at' | 'departed_at';
  to: JobStatus | null;
  from: JobStatus[];
}

/** What each action does; the status moves only from the listed statuses, so a dispatcher's own change wins. */
const TRANSITIONS: Record<JobActionKind, Transition> = {
  en_route: { column: 'en_route_at', to: 'en_route', from: ['scheduled', 'assigned'] },
  on_site: { column: 'arrived_at', to: 'on_site', from: ['scheduled', 'assigned', 'en_route'] },
  departed: { column: 'departed_at', to: null, from: [] },
};

/**
 * One statement per action: lock the job (only if still assigned to that vehicle), move its status when allowed, set
 * the telemetry time once, and record a status change in the event log. $1 tenant, $2 job, $3 vehicle, $4 ts (ms),
 * $5 statuses it may move from, $6 status to move to (null: none), $7 cause.
 */
function transitionSql(column: Transition['column']): string {
  return /* sql */ `
WITH old AS (
  SELECT status FROM jobs WHERE tenant_id = $1 AND id = $2 AND vehicle_id = $3 FOR UPDATE
), upd AS (
  UPDATE jobs j SET
    status = CASE WHEN old.status = ANY($5::text[]) THEN COALESCE($6::text, old.status) ELSE old.status END,
    ${column} = COALESCE(j.${column}, ${ms(4)}),
    started_at = CASE WHEN $6::text = 'on_site' AND old.status = ANY($5::text[]) THEN COALESCE(j.started_at, ${ms(4)}) ELSE j.started_at END,
    updated_at = now()
  FROM old
  WHERE j.tenant_id = $1 AND j.id = $2
  RETURNING j.tenant_id, j.id, j.vehicle_id, old.status AS old_status, j.status AS new_status
), ev AS (
  INSERT INTO events (id, tenant_id, kind, ts, vehicle_id, job_id, data)
  SELECT 'job:' || upd.id || ':' || upd.new_status || ':' || $4::bigint, upd.tenant_id, 'job', ${ms(4)}, upd.vehicle_id, upd.id,
         jsonb_build_object('v', 1, 'tenantId', upd.tenant_id, 'jobId', upd.id, 'from', upd.old_status, 'to', upd.new_status,
                            'ts', $4::bigint, 'cause', $7::text)
  FROM upd WHERE upd.new_status IS DISTINCT FROM upd.old_status
  ON CONFLICT (id) DO NOTHING
)
SELECT old_status, new_status FROM upd`;
}

const SQL: Record<JobActionKind, string> = {
  en_route: transitionSql('en_route_at'),
  on_site: transitionSql('arrived_at'),
  departed: transitionSql('departed_at'),
};

const INSERT_TIMESHEET = /* sql */ `
INSERT INTO timesheet_entries (tenant_id, id, job_id, vehicle_id, crew_id, kind, started_at, ended_at, seconds)
VALUES ($1, $2, $3, $4, $5, $6, ${ms(7)}, ${ms(8)}, $9)
ON CONFLICT (tenant_id, id) DO NOTHING`;

export interface JobWriterStats {
  applied: number;
  /** Actions the job's current state refused (reassigned, already further along, cancelled). */
  noop: number;
  timesheets: number;
  errors: number;
  pending: number;
}

export interface JobWriter {
  add(actions: readonly JobAction[], entries: readonly TimesheetEntry[]): void;
  /** Resolves when everything added so far has been written (or has failed and been logged). */
  flush(): Promise<void>;
  stats(): JobWriterStats;
}

/**
 * Applies job actions and stores timesheet entries, in order, one at a time (they are rare: a few per job).
 * Announces what changed on the bus: the status change, and an EntityChanged so every cache (ours included) reloads
 * the job. A failed write is retried three times, then logged with the action, which stays derivable from the
 * geofence events in the event log.
 */
export function createJobWriter(db: Db, bus: Bus, logger: Logger): JobWriter {
  let chain: Promise<void> = Promise.resolve();
  const stats: JobWriterStats = { applied: 0, noop: 0, timesheets: 0, errors: 0, pending: 0 };

  async function withRetries(what: object, task: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await task();
        return;
      } catch (err) {
        if (attempt >= 3) {
          stats.errors++;
          logger.error({ err, ...what }, 'job automation write failed; given up');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  async function apply(a: JobAction): Promise<void> {
    const t = TRANSITIONS[a.kind];
    const [row] = await db.query<{ old_status: JobStatus; new_status: JobStatus }>(SQL[a.kind], [
      a.tenantId, a.jobId, a.vehicleId, a.ts, t.from, t.to, a.cause,
    ]);
    if (!row || (t.to !== null && row.new_status === row.old_status)) stats.noop++;
    else stats.applied++;
    if (!row) return;
    if (row.new_status !== row.old_status) {
      const change: JobStatusChange = { v: 1, tenantId: a.tenantId, jobId: a.jobId, from: row.old_status, to: row.new_status, ts: a.ts, cause: a.cause };
      bus.publish(busTopic(a.tenantId, 'job'), change);
    }
    const changed: EntityChanged = { v: 1, tenantId: a.tenantId, entity: 'job', id: a.jobId, op: 'upsert' };
    bus.publish(busTopic(a.tenantId, 'changed'), changed);
  }

  async function store(e: TimesheetEntry): Promise<void> {
    await db.query(INSERT_TIMESHEET, [e.tenantId, e.id, e.jobId, e.vehicleId, e.crewId, e.kind, e.startedAt, e.endedAt, e.seconds]);
    stats.timesheets++;
    bus.publish(busTopic(e.tenantId, 'timesheet'), e);
  }

  return {
    add(actions, entries) {
      const work = [...actions.map((a) => () => withRetries({ action: a }, () => apply(a))), ...entries.map((e) => () => withRetries({ entry: e }, () => store(e)))];
      stats.pending += work.length;
      for (const w of work) chain = chain.then(w).finally(() => stats.pending--);
    },
    flush() {
      return chain;
    },
    stats() {
      return { ...stats };
    },
  };
}

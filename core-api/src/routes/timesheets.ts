import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Id, TimesheetEntry, type TimesheetKind } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import { READERS, tenantOf } from '../http/auth.js';
import { IdParams, Limit, TimeBound, withProblems } from '../http/schemas.js';
import { parseRange } from '../http/time.js';
import { TIMESHEET_COLUMNS, toTimesheetEntry, type TimesheetRow } from '../domain/rows.js';
import type { RouteDeps } from './deps.js';

const tags = ['timesheets'];
const ALL_TIME = { from: 0, to: 8_640_000_000_000 };
const PERIOD_NOTE = 'An entry belongs to the period in which it started (from inclusive, to exclusive), so consecutive periods never count it twice.';

const Seconds = Type.Integer({ minimum: 0, description: 'seconds' });
const Totals = Type.Object(
  { en_route: Seconds, on_site: Seconds, idle: Seconds },
  { description: 'Seconds per kind. idle is engine-on time within on_site, not in addition to it.' },
);
type Totals = Static<typeof Totals>;

const TimesheetQuery = Type.Object({
  jobId: Type.Optional(Id),
  vehicleId: Type.Optional(Id),
  crewId: Type.Optional(Id),
  from: Type.Optional(TimeBound),
  to: Type.Optional(TimeBound),
  limit: Type.Optional(Limit(1000, 10000)),
});
const JobTimesheet = Type.Object({ jobId: Id, entries: Type.Array(TimesheetEntry), totals: Totals });

const SummaryBy = Type.Union([Type.Literal('crew'), Type.Literal('vehicle')]);
const SummaryQuery = Type.Object({ from: TimeBound, to: TimeBound, by: SummaryBy });
const SummaryRow = Type.Object({
  id: Type.Union([Id, Type.Null()], { description: 'crew or vehicle id; null gathers the entries of vehicles without a crew' }),
  entries: Type.Integer({ minimum: 0 }),
  totals: Totals,
});
const Summary = Type.Object({
  from: Type.Integer({ description: 'Unix ms, inclusive' }),
  to: Type.Integer({ description: 'Unix ms, exclusive' }),
  by: SummaryBy,
  rows: Type.Array(SummaryRow),
});
type SummaryRow = Static<typeof SummaryRow>;

const RANGE = 'started_at >= to_timestamp($2::bigint / 1000.0) AND started_at < to_timestamp($3::bigint / 1000.0)';
/** The grouping column is chosen from this table, never from the request text. */
const SUMMARY_SQL = {
  crew: summarySql('crew_id'),
  vehicle: summarySql('vehicle_id'),
} as const;
function summarySql(column: 'crew_id' | 'vehicle_id'): string {
  return /* sql */ `
SELECT ${column} AS id, kind, sum(seconds)::int8 AS seconds, count(*)::int AS entries
FROM timesheet_entries WHERE tenant_id = $1 AND ${RANGE}
GROUP BY ${column}, kind ORDER BY ${column} NULLS LAST, kind`;
}

const noTime = (): Totals => ({ en_route: 0, on_site: 0, idle: 0 });

export const timesheetRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.get('/timesheets', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'Timesheet entries (time en route, on site and idle per job, vehicle and crew), oldest first',
      description: PERIOD_NOTE,
      querystring: TimesheetQuery,
      response: withProblems({ 200: Type.Array(TimesheetEntry) }),
    },
  }, async (request) => {
    const q = request.query;
    const { from, to } = parseRange(q, ALL_TIME);
    const rows = await db.query<TimesheetRow>(
      `SELECT ${TIMESHEET_COLUMNS} FROM timesheet_entries
       WHERE tenant_id = $1 AND ${RANGE}
         AND ($4::text IS NULL OR job_id = $4) AND ($5::text IS NULL OR vehicle_id = $5) AND ($6::text IS NULL OR crew_id = $6)
       ORDER BY started_at, id LIMIT $7`,
      [tenantOf(request), from, to, q.jobId ?? null, q.vehicleId ?? null, q.crewId ?? null, q.limit ?? 1000],
    );
    return rows.map(toTimesheetEntry);
  });

  app.get('/jobs/:id/timesheet', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "A job's timesheet: its entries, oldest first, and the seconds per kind",
      params: IdParams,
      response: withProblems({ 200: JobTimesheet }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const jobId = request.params.id;
    const rows = await db.query<TimesheetRow>(
      `SELECT ${TIMESHEET_COLUMNS} FROM timesheet_entries WHERE tenant_id = $1 AND job_id = $2 ORDER BY started_at, id`,
      [tenantId, jobId],
    );
    if (rows.length === 0) {
      const job = await db.query('SELECT 1 FROM jobs WHERE tenant_id = $1 AND id = $2', [tenantId, jobId]);
      if (job.length === 0) throw NotFound(['job', jobId]);
    }
    const totals = noTime();
    for (const r of rows) totals[r.kind] += r.seconds;
    return { jobId, entries: rows.map(toTimesheetEntry), totals };
  });

  app.get('/timesheets/summary', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'Seconds en route, on site and idle per crew or per vehicle over a period (what billing and payroll read)',
      description: PERIOD_NOTE,
      querystring: SummaryQuery,
      response: withProblems({ 200: Summary }),
    },
  }, async (request) => {
    const q = request.query;
    const { from, to } = parseRange(q, ALL_TIME);
    const groups = await db.query<{ id: string | null; kind: TimesheetKind; seconds: number; entries: number }>(
      SUMMARY_SQL[q.by], [tenantOf(request), from, to],
    );
    // Rows arrive ordered by id, one per (id, kind): fold consecutive rows of one id together.
    const rows: SummaryRow[] = [];
    let row: SummaryRow | undefined;
    for (const g of groups) {
      if (row === undefined || row.id !== g.id) rows.push((row = { id: g.id, entries: 0, totals: noTime() }));
      row.entries += g.entries;
      row.totals[g.kind] += g.seconds;
    }
    return { from, to, by: q.by, rows };
  });
};

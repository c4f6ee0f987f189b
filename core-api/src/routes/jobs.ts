import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Id, Job, JobInput, JobPatch, JobStatus, type JobStatusChange } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { IdParams, Limit, withProblems } from '../http/schemas.js';
import { ValidationFailed, conflictAs } from '../http/errors.js';
import { JOB_COLUMNS, toJob, type JobRow } from '../domain/rows.js';
import { publishChanged, publishJobStatus } from '../domain/changes.js';
import { CREATE_JOB_EVENT, INSERT_JOB, PATCH_JOB, jobEventId } from './jobs-sql.js';
import type { RouteDeps } from './deps.js';

const JobQuery = Type.Object({
  status: Type.Optional(JobStatus),
  vehicleId: Type.Optional(Id),
  limit: Type.Optional(Limit(1000, 10000)),
});
const tags = ['jobs'];

async function assertReferences(db: Db, tenantId: string, siteId: string | undefined, vehicleId: string | undefined) {
  const [r] = await db.query<{ site: boolean; vehicle: boolean }>(
    `SELECT ($2::text IS NULL OR EXISTS (SELECT 1 FROM sites WHERE tenant_id = $1 AND id = $2)) AS site,
            ($3::text IS NULL OR EXISTS (SELECT 1 FROM vehicles WHERE tenant_id = $1 AND id = $3)) AS vehicle`,
    [tenantId, siteId ?? null, vehicleId ?? null],
  );
  if (!r?.site) throw ValidationFailed(['body/siteId', `site '${siteId}' does not exist`]);
  if (!r.vehicle) throw ValidationFailed(['body/vehicleId', `vehicle '${vehicleId}' does not exist`]);
}

function assertWindow(start: number | undefined, end: number | undefined) {
  if (start !== undefined && end !== undefined && end < start) throw ValidationFailed(['body/windowEnd', 'is before windowStart']);
}

export const jobRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus, clock }) => {
  app.post('/jobs', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: "Create a job (status defaults to 'assigned' with a vehicle, else 'scheduled')",
      body: JobInput,
      response: withProblems({ 201: Job }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const j = request.body;
    await assertReferences(db, tenantId, j.siteId, j.vehicleId);
    assertWindow(j.windowStart, j.windowEnd);
    const status = j.status ?? (j.vehicleId ? 'assigned' : 'scheduled');
    const ts = clock.now();
    const [jobRows] = await conflictAs('job', j.id, () =>
      db.transaction([
        {
          sql: INSERT_JOB,
          params: [
            tenantId, j.id, j.siteId, j.title, status, j.vehicleId ?? null, j.windowStart ?? null, j.windowEnd ?? null, j.routeOrder ?? null,
            j.priority ?? null, j.serviceS ?? null, j.requiredSkills ?? null,
          ],
        },
        { sql: CREATE_JOB_EVENT, params: [jobEventId(j.id, status, ts), tenantId, j.id, j.vehicleId ?? null, status, ts] },
      ]),
    );
    const job = toJob((jobRows as JobRow[])[0]!);
    publishJobStatus(bus, { v: 1, tenantId, jobId: job.id, from: null, to: status, ts, cause: 'api' });
    publishChanged(bus, tenantId, 'job', job.id, 'upsert');
    return reply.code(201).send(job);
  });

  app.get('/jobs', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'List jobs, in route order per vehicle',
      querystring: JobQuery,
      response: withProblems({ 200: Type.Array(Job) }),
    },
  }, async (request) => {
    const q = request.query;
    const rows = await db.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs
       WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR vehicle_id = $3)
       ORDER BY vehicle_id NULLS LAST, route_order NULLS LAST, window_start NULLS LAST, id
       LIMIT $4`,
      [tenantOf(request), q.status ?? null, q.vehicleId ?? null, q.limit ?? 1000],
    );
    return rows.map(toJob);
  });

  app.get('/jobs/:id', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'Get a job', params: IdParams, response: withProblems({ 200: Job }) },
  }, async (request) => {
    const [row] = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE tenant_id = $1 AND id = $2`, [
      tenantOf(request), request.params.id,
    ]);
    if (!row) throw NotFound(['job', request.params.id]);
    return toJob(row);
  });

  app.patch('/jobs/:id', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: 'Change a job; a status change is recorded as an event and published',
      description: "Giving a vehicle to a 'scheduled' job without a status makes it 'assigned'.",
      params: IdParams,
      body: JobPatch,
      response: withProblems({ 200: Job }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const p = request.body;
    await assertReferences(db, tenantId, undefined, p.vehicleId);
    assertWindow(p.windowStart, p.windowEnd);
    const ts = clock.now();
    const [row] = await db.query<JobRow & { old_status: JobRow['status'] }>(PATCH_JOB, [
      tenantId, request.params.id, p.title ?? null, p.vehicleId ?? null, p.windowStart ?? null, p.windowEnd ?? null,
      p.routeOrder ?? null, p.status ?? null, ts, p.priority ?? null, p.serviceS ?? null, p.requiredSkills ?? null,
    ]);
    if (!row) throw NotFound(['job', request.params.id]);
    const job = toJob(row);
    if (row.old_status !== job.status) {
      const change: JobStatusChange = { v: 1, tenantId, jobId: job.id, from: row.old_status, to: job.status, ts, cause: 'api' };
      publishJobStatus(bus, change);
    }
    publishChanged(bus, tenantId, 'job', job.id, 'upsert');
    return job;
  });
};

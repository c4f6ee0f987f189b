import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Vehicle, VehicleInput } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import { DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { IdParams, NoContent, withProblems } from '../http/schemas.js';
import { StillReferenced, ValidationFailed, conflictAs } from '../http/errors.js';
import { VEHICLE_COLUMNS, toVehicle, type VehicleRow } from '../domain/rows.js';
import { publishChanged } from '../domain/changes.js';
import type { RouteDeps } from './deps.js';

const VehiclePatch = Type.Partial(Type.Omit(VehicleInput, ['id']), { additionalProperties: false, minProperties: 1 });
const tags = ['vehicles'];
/** A vehicle with a job in any other status still has work (or a crew on site) and cannot be deleted. */
const FINISHED_JOB_STATUSES = ['completed', 'invoiced', 'paid', 'cancelled'];
const readers = { access: { roles: READERS } };
const writers = { access: { roles: DISPATCH_WRITERS } };

function assertShift(start: number | null | undefined, end: number | null | undefined) {
  if (typeof start === 'number' && typeof end === 'number' && end < start) throw ValidationFailed(['body/shiftEnd', 'is before shiftStart']);
}

export const vehicleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus }) => {
  app.post('/vehicles', {
    config: writers,
    schema: { tags, summary: 'Create a vehicle', body: VehicleInput, response: withProblems({ 201: Vehicle }) },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const v = request.body;
    assertShift(v.shiftStart, v.shiftEnd);
    const [row] = await conflictAs('vehicle', v.id, () =>
      db.query<VehicleRow>(
        `INSERT INTO vehicles (tenant_id, id, name, kind, crew_id, speed_limit_kmh, shift_start, shift_end)
         VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::bigint / 1000.0), to_timestamp($8::bigint / 1000.0))
         RETURNING ${VEHICLE_COLUMNS}`,
        [tenantId, v.id, v.name, v.kind ?? 'truck', v.crewId ?? null, v.speedLimitKmh ?? null, v.shiftStart ?? null, v.shiftEnd ?? null],
      ),
    );
    publishChanged(bus, tenantId, 'vehicle', v.id, 'upsert');
    return reply.code(201).send(toVehicle(row!));
  });

  app.get('/vehicles', {
    config: readers,
    schema: { tags, summary: 'List vehicles', response: withProblems({ 200: Type.Array(Vehicle) }) },
  }, async (request) => {
    const rows = await db.query<VehicleRow>(`SELECT ${VEHICLE_COLUMNS} FROM vehicles WHERE tenant_id = $1 ORDER BY id`, [tenantOf(request)]);
    return rows.map(toVehicle);
  });

  app.get('/vehicles/:id', {
    config: readers,
    schema: { tags, summary: 'Get a vehicle', params: IdParams, response: withProblems({ 200: Vehicle }) },
  }, async (request) => {
    const [row] = await db.query<VehicleRow>(`SELECT ${VEHICLE_COLUMNS} FROM vehicles WHERE tenant_id = $1 AND id = $2`, [
      tenantOf(request), request.params.id,
    ]);
    if (!row) throw NotFound(['vehicle', request.params.id]);
    return toVehicle(row);
  });

  app.patch('/vehicles/:id', {
    config: writers,
    schema: { tags, summary: 'Change a vehicle', params: IdParams, body: VehiclePatch, response: withProblems({ 200: Vehicle }) },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const p = request.body;
    assertShift(p.shiftStart, p.shiftEnd);
    // Shift bounds can be cleared, so absent (keep) and null (clear) differ: $7 and $9 say whether each was sent.
    // The WHERE refuses a bound that would cross the stored other one; no row then means 404 or that.
    const [row] = await db.query<VehicleRow>(
      `WITH next AS (
         SELECT CASE WHEN $7::boolean THEN to_timestamp($8::bigint / 1000.0) ELSE shift_start END AS shift_start,
                CASE WHEN $9::boolean THEN to_timestamp($10::bigint / 1000.0) ELSE shift_end END AS shift_end
         FROM vehicles WHERE tenant_id = $1 AND id = $2
       )
       UPDATE vehicles v SET name = COALESCE($3, v.name), kind = COALESCE($4, v.kind), crew_id = COALESCE($5, v.crew_id),
              speed_limit_kmh = COALESCE($6::real, v.speed_limit_kmh), shift_start = next.shift_start, shift_end = next.shift_end
       FROM next
       WHERE v.tenant_id = $1 AND v.id = $2 AND COALESCE(next.shift_end >= next.shift_start, true)
       RETURNING ${VEHICLE_COLUMNS.split(', ').map((c) => `v.${c}`).join(', ')}`,
      [
        tenantId, request.params.id, p.name ?? null, p.kind ?? null, p.crewId ?? null, p.speedLimitKmh ?? null,
        p.shiftStart !== undefined, p.shiftStart ?? null, p.shiftEnd !== undefined, p.shiftEnd ?? null,
      ],
    );
    if (!row) {
      const [exists] = await db.query('SELECT 1 FROM vehicles WHERE tenant_id = $1 AND id = $2', [tenantId, request.params.id]);
      if (!exists) throw NotFound(['vehicle', request.params.id]);
      throw ValidationFailed(['body/shiftEnd', 'would be before shiftStart']);
    }
    publishChanged(bus, tenantId, 'vehicle', row.id, 'upsert');
    return toVehicle(row);
  });

  app.delete('/vehicles/:id', {
    config: writers,
    schema: {
      tags,
      summary: 'Delete a vehicle (refused while unfinished jobs are assigned to it; its devices are unlinked)',
      params: IdParams,
      response: withProblems({ 204: NoContent }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const { id } = request.params;
    const unfinished = await db.query<{ id: string }>(
      'SELECT id FROM jobs WHERE tenant_id = $1 AND vehicle_id = $2 AND status <> ALL($3::text[]) ORDER BY id LIMIT 5',
      [tenantId, id, FINISHED_JOB_STATUSES],
    );
    if (unfinished.length > 0) throw StillReferenced(['vehicle', id, `unfinished jobs (${unfinished.map((j) => j.id).join(', ')}); reassign or finish them first`]);
    // One statement: devices are unlinked only if the vehicle really was there to delete.
    const [result] = await db.query<{ deleted: number; devices: string[] }>(
      `WITH gone AS (DELETE FROM vehicles WHERE tenant_id = $1 AND id = $2 RETURNING id),
            unlinked AS (UPDATE devices SET vehicle_id = NULL
                         WHERE tenant_id = $1 AND vehicle_id IN (SELECT id FROM gone) RETURNING id)
       SELECT (SELECT count(*) FROM gone)::int AS deleted,
              COALESCE((SELECT array_agg(id ORDER BY id) FROM unlinked), '{}'::text[]) AS devices`,
      [tenantId, id],
    );
    if (!result || result.deleted === 0) throw NotFound(['vehicle', id]);
    publishChanged(bus, tenantId, 'vehicle', id, 'delete');
    for (const deviceId of result.devices) publishChanged(bus, tenantId, 'device', deviceId, 'upsert');
    return reply.code(204).send(null);
  });
};

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Geofence, GeofenceInput, type GeofenceKind } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { IdParams, NoContent, withProblems } from '../http/schemas.js';
import { ValidationFailed, conflictAs } from '../http/errors.js';
import { GEOFENCE_COLUMNS, toGeofence, type GeofenceRow } from '../domain/rows.js';
import { publishChanged } from '../domain/changes.js';
import { FeatureCollection, toFeatureCollection } from '../domain/geojson.js';
import type { RouteDeps } from './deps.js';

const GeofenceReplace = Type.Omit(GeofenceInput, ['id'], { additionalProperties: false });
const tags = ['geofences'];
const readers = { access: { roles: READERS } };
const writers = { access: { roles: DISPATCH_WRITERS } };

/** The columns a create or a replace writes, from the body; absent optional fields are stored as null. */
function fenceParams(g: Static<typeof GeofenceReplace>) {
  const kind: GeofenceKind = g.kind ?? (g.siteId !== undefined ? 'site' : 'zone');
  return [g.name, g.siteId ?? null, JSON.stringify(g.shape), kind, g.dwellInS ?? null, g.dwellOutS ?? null, g.speedLimitKmh ?? null];
}

async function assertSiteExists(db: Db, tenantId: string, siteId: string | undefined): Promise<void> {
  if (siteId === undefined) return;
  const rows = await db.query('SELECT 1 FROM sites WHERE tenant_id = $1 AND id = $2', [tenantId, siteId]);
  if (rows.length === 0) throw ValidationFailed(['body/siteId', `site '${siteId}' does not exist`]);
}

export const geofenceRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus }) => {
  app.post('/geofences', {
    config: writers,
    schema: {
      tags,
      summary: "Create a geofence (kind defaults to 'site' with a siteId, else 'zone')",
      body: GeofenceInput,
      response: withProblems({ 201: Geofence }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const g = request.body;
    await assertSiteExists(db, tenantId, g.siteId);
    const [row] = await conflictAs('geofence', g.id, () =>
      db.query<GeofenceRow>(
        `INSERT INTO geofences (tenant_id, id, name, site_id, shape, kind, dwell_in_s, dwell_out_s, speed_limit_kmh)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9) RETURNING ${GEOFENCE_COLUMNS}`,
        [tenantId, g.id, ...fenceParams(g)],
      ),
    );
    publishChanged(bus, tenantId, 'geofence', g.id, 'upsert');
    return reply.code(201).send(toGeofence(row!));
  });

  app.get('/geofences', {
    config: readers,
    schema: { tags, summary: 'List geofences', response: withProblems({ 200: Type.Array(Geofence) }) },
  }, async (request) => {
    const rows = await db.query<GeofenceRow>(`SELECT ${GEOFENCE_COLUMNS} FROM geofences WHERE tenant_id = $1 ORDER BY id`, [tenantOf(request)]);
    return rows.map(toGeofence);
  });

  app.get('/geofences.geojson', {
    config: readers,
    schema: {
      tags,
      summary: 'All geofences as a GeoJSON FeatureCollection (circles are Points with a radiusM property)',
      response: withProblems({ 200: FeatureCollection }),
    },
  }, async (request, reply) => {
    const rows = await db.query<GeofenceRow>(`SELECT ${GEOFENCE_COLUMNS} FROM geofences WHERE tenant_id = $1 ORDER BY id`, [tenantOf(request)]);
    return reply.type('application/geo+json').send(toFeatureCollection(rows.map(toGeofence)));
  });

  app.get('/geofences/:id', {
    config: readers,
    schema: { tags, summary: 'Get a geofence', params: IdParams, response: withProblems({ 200: Geofence }) },
  }, async (request) => {
    const [row] = await db.query<GeofenceRow>(`SELECT ${GEOFENCE_COLUMNS} FROM geofences WHERE tenant_id = $1 AND id = $2`, [
      tenantOf(request), request.params.id,
    ]);
    if (!row) throw NotFound(['geofence', request.params.id]);
    return toGeofence(row);
  });

  app.put('/geofences/:id', {
    config: writers,
    schema: {
      tags,
      summary: 'Replace a geofence: every field; an omitted optional field becomes null (kind: its default)',
      params: IdParams,
      body: GeofenceReplace,
      response: withProblems({ 200: Geofence }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const g = request.body;
    await assertSiteExists(db, tenantId, g.siteId);
    const [row] = await db.query<GeofenceRow>(
      `UPDATE geofences SET name = $3, site_id = $4, shape = $5::jsonb, kind = $6, dwell_in_s = $7, dwell_out_s = $8,
              speed_limit_kmh = $9, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${GEOFENCE_COLUMNS}`,
      [tenantId, request.params.id, ...fenceParams(g)],
    );
    if (!row) throw NotFound(['geofence', request.params.id]);
    publishChanged(bus, tenantId, 'geofence', row.id, 'upsert');
    return toGeofence(row);
  });

  app.delete('/geofences/:id', {
    config: writers,
    schema: { tags, summary: 'Delete a geofence (a site whose arrival fence it was keeps no fence)', params: IdParams, response: withProblems({ 204: NoContent }) },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const { id } = request.params;
    const [result] = await db.query<{ deleted: number; sites: string[] }>(
      `WITH gone AS (DELETE FROM geofences WHERE tenant_id = $1 AND id = $2 RETURNING id),
            unlinked AS (UPDATE sites SET geofence_id = NULL
                         WHERE tenant_id = $1 AND geofence_id IN (SELECT id FROM gone) RETURNING id)
       SELECT (SELECT count(*) FROM gone)::int AS deleted,
              COALESCE((SELECT array_agg(id ORDER BY id) FROM unlinked), '{}'::text[]) AS sites`,
      [tenantId, id],
    );
    if (!result || result.deleted === 0) throw NotFound(['geofence', id]);
    publishChanged(bus, tenantId, 'geofence', id, 'delete');
    for (const siteId of result.sites) publishChanged(bus, tenantId, 'site', siteId, 'upsert');
    return reply.code(204).send(null);
  });
};

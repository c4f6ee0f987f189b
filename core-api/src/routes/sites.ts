import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Site, SiteInput, SiteRoof, haversineM, metresPerDegree, type GeofenceShape } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import { DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { IdParams, NoContent, withProblems } from '../http/schemas.js';
import { ValidationFailed } from '../http/errors.js';
import { SITE_COLUMNS, toSite, type SiteRow } from '../domain/rows.js';
import { publishChanged } from '../domain/changes.js';
import type { RouteDeps } from './deps.js';

const DEFAULT_ARRIVAL_RADIUS_M = 60;
const FENCE_PREFIX = 'site-';
/** Ids are at most 64 characters, and the arrival fence's id is the site id with a prefix. */
const MAX_SITE_ID_LENGTH = 64 - FENCE_PREFIX.length;
const tags = ['sites'];
/** A roof further than this from its site's location is a typo, most often [lat, lon] for [lon, lat]. */
const MAX_ROOF_DISTANCE_M = 1000;
const MIN_ROOF_AREA_M2 = 1;

/**
 * What the schema cannot say about a roof outline: the ring is closed (RFC 7946 §3.1.6: first = last), encloses an
 * area, and lies at the site. Throws a 400 naming `field`.
 */
export function checkRoof(roof: SiteRoof, location: readonly [number, number], field: string): void {
  const ring = roof.outline;
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length < 4 || !first || !last) throw ValidationFailed([`${field}/outline`, 'a closed ring has at least 4 positions']);
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw ValidationFailed([`${field}/outline`, 'the ring is not closed: its last position must repeat the first']);
  }
  const area = planAreaM2(ring);
  if (!(area >= MIN_ROOF_AREA_M2)) throw ValidationFailed([`${field}/outline`, `the ring encloses ${area.toFixed(2)} m²; a roof needs at least ${MIN_ROOF_AREA_M2} m²`]);
  let lon = 0;
  let lat = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    lon += ring[i]![0];
    lat += ring[i]![1];
  }
  const away = haversineM(location[1], location[0], lat / (ring.length - 1), lon / (ring.length - 1));
  if (away > MAX_ROOF_DISTANCE_M) {
    throw ValidationFailed([`${field}/outline`, `the roof is ${Math.round(away)} m from the site's location; positions are [lon, lat]`]);
  }
}

/** Shoelace on a local flat projection, m²; ample for a building. */
function planAreaM2(ring: ReadonlyArray<readonly [number, number]>): number {
  const lon0 = ring[0]![0];
  const lat0 = ring[0]![1];
  const m = metresPerDegree(lat0);
  let twice = 0;
  for (let i = 1; i < ring.length; i++) {
    const a = ring[i - 1]!;
    const b = ring[i]!;
    twice += (a[0] - lon0) * m.lon * (b[1] - lat0) * m.lat - (b[0] - lon0) * m.lon * (a[1] - lat0) * m.lat;
  }
  return Math.abs(twice) / 2;
}

export const arrivalFenceId = (siteId: string) => `${FENCE_PREFIX}${siteId}`;

export const siteRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus }) => {
  app.post('/sites', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: `Create a site and its arrival geofence ('${FENCE_PREFIX}{id}') in one transaction`,
      description: `The fence is \`shape\` when given, else a circle of \`radiusM\` (default ${DEFAULT_ARRIVAL_RADIUS_M} m) around \`location\`.`,
      body: SiteInput,
      response: withProblems({ 201: Site }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const s = request.body;
    if (s.id.length > MAX_SITE_ID_LENGTH) {
      throw ValidationFailed(['body/id', `a site id has at most ${MAX_SITE_ID_LENGTH} characters (its fence id is '${FENCE_PREFIX}{id}')`]);
    }
    if (s.roof) checkRoof(s.roof, s.location, 'body/roof');
    const fenceId = arrivalFenceId(s.id);
    const shape: GeofenceShape = s.shape ?? { type: 'circle', center: s.location, radiusM: s.radiusM ?? DEFAULT_ARRIVAL_RADIUS_M };
    const [siteRows] = await db.transaction([
      {
        sql: `INSERT INTO sites (tenant_id, id, name, address, lon, lat, customer_id, geofence_id, roof)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) RETURNING ${SITE_COLUMNS}`,
        params: [
          tenantId, s.id, s.name, s.address ?? null, s.location[0], s.location[1], s.customerId ?? null, fenceId,
          s.roof ? JSON.stringify(s.roof) : null,
        ],
      },
      {
        sql: "INSERT INTO geofences (tenant_id, id, name, site_id, shape, kind) VALUES ($1, $2, $3, $4, $5::jsonb, 'site')",
        params: [tenantId, fenceId, s.name, s.id, JSON.stringify(shape)],
      },
    ]);
    publishChanged(bus, tenantId, 'geofence', fenceId, 'upsert');
    publishChanged(bus, tenantId, 'site', s.id, 'upsert');
    return reply.code(201).send(toSite((siteRows as SiteRow[])[0]!));
  });

  app.get('/sites', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'List sites', response: withProblems({ 200: Type.Array(Site) }) },
  }, async (request) => {
    const rows = await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites WHERE tenant_id = $1 ORDER BY id`, [tenantOf(request)]);
    return rows.map(toSite);
  });

  app.get('/sites/:id', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'Get a site', params: IdParams, response: withProblems({ 200: Site }) },
  }, async (request) => {
    const [row] = await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites WHERE tenant_id = $1 AND id = $2`, [
      tenantOf(request), request.params.id,
    ]);
    if (!row) throw NotFound(['site', request.params.id]);
    return toSite(row);
  });

  app.put('/sites/:id/roof', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: "Set a site's roof: its outline ([lon, lat], a closed ring) and eaves height above the take-off ground",
      description:
        'Drone inspections place what they see on this roof plane and count findings whose centre falls outside the ' +
        "outline apart. 400 when the ring is not closed, encloses no area, or lies more than 1 km from the site's location.",
      params: IdParams,
      body: SiteRoof,
      response: withProblems({ 200: Site }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const { id } = request.params;
    const [site] = await db.query<SiteRow>(`SELECT ${SITE_COLUMNS} FROM sites WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    if (!site) throw NotFound(['site', id]);
    checkRoof(request.body, [site.lon, site.lat], 'body');
    const [row] = await db.query<SiteRow>(
      `UPDATE sites SET roof = $3::jsonb WHERE tenant_id = $1 AND id = $2 RETURNING ${SITE_COLUMNS}`,
      [tenantId, id, JSON.stringify(request.body)],
    );
    if (!row) throw NotFound(['site', id]);
    publishChanged(bus, tenantId, 'site', id, 'upsert');
    return toSite(row);
  });

  app.delete('/sites/:id', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: 'Delete a site and its geofences (refused with 409 while jobs refer to it)',
      params: IdParams,
      response: withProblems({ 204: NoContent }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const { id } = request.params;
    // One statement, so the fences go only with the site; jobs' foreign key refuses the whole thing (23503 → 409).
    const [result] = await db.query<{ deleted: number; fences: string[] }>(
      `WITH gone AS (DELETE FROM sites WHERE tenant_id = $1 AND id = $2 RETURNING id, geofence_id),
            fences AS (DELETE FROM geofences g USING gone
                       WHERE g.tenant_id = $1 AND (g.id = gone.geofence_id OR g.site_id = gone.id) RETURNING g.id)
       SELECT (SELECT count(*) FROM gone)::int AS deleted,
              COALESCE((SELECT array_agg(id ORDER BY id) FROM fences), '{}'::text[]) AS fences`,
      [tenantId, id],
    );
    if (!result || result.deleted === 0) throw NotFound(['site', id]);
    for (const fenceId of result.fences) publishChanged(bus, tenantId, 'geofence', fenceId, 'delete');
    publishChanged(bus, tenantId, 'site', id, 'delete');
    return reply.code(204).send(null);
  });
};

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Id, Position } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { READERS, tenantOf } from '../http/auth.js';
import { IdParams, Limit, TimeBound, withProblems } from '../http/schemas.js';
import { parseRange } from '../http/time.js';
import { POSITION_COLUMNS, toPosition, type PositionRow } from '../domain/rows.js';
import type { RouteDeps } from './deps.js';

const HOUR_MS = 3_600_000;
const tags = ['telemetry'];

export const LatestPosition = Type.Composite([Position, Type.Object({ vehicleId: Type.Union([Id, Type.Null()]) })]);
type LatestPosition = Position & { vehicleId: string | null };

/**
 * The newest fix of every device of the tenant. The LATERAL subquery is one `ORDER BY ts DESC LIMIT 1` per device,
 * answered from the (tenant_id, device_id, ts DESC) index; a DISTINCT ON over positions would read them all.
 */
const LATEST_SQL = /* sql */ `
SELECT ${POSITION_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}, d.vehicle_id
FROM devices d
CROSS JOIN LATERAL (
  SELECT ${POSITION_COLUMNS} FROM positions
  WHERE tenant_id = d.tenant_id AND device_id = d.id
  ORDER BY ts DESC LIMIT 1
) p
WHERE d.tenant_id = $1
ORDER BY d.id`;

export async function latestPositions(db: Db, tenantId: string): Promise<LatestPosition[]> {
  const rows = await db.query<PositionRow & { vehicle_id: string | null }>(LATEST_SQL, [tenantId]);
  return rows.map((r) => ({ ...toPosition(r), vehicleId: r.vehicle_id }));
}

const TrackQuery = Type.Object({
  from: Type.Optional(TimeBound),
  to: Type.Optional(TimeBound),
  limit: Type.Optional(Limit(1000, 10000)),
});

export const telemetryRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, clock }) => {
  app.get('/positions/latest', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'The newest fix of every device', response: withProblems({ 200: Type.Array(LatestPosition) }) },
  }, async (request) => latestPositions(db, tenantOf(request)));

  app.get('/devices/:id/positions', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "A device's track, oldest first (default: the last hour)",
      params: IdParams,
      querystring: TrackQuery,
      response: withProblems({ 200: Type.Array(Position) }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const now = clock.now();
    const { from, to } = parseRange(request.query, { from: now - HOUR_MS, to: now });
    const known = await db.query('SELECT 1 FROM devices WHERE tenant_id = $1 AND id = $2', [tenantId, request.params.id]);
    if (known.length === 0) throw NotFound(['device', request.params.id]);
    const rows = await db.query<PositionRow>(
      `SELECT ${POSITION_COLUMNS} FROM positions
       WHERE tenant_id = $1 AND device_id = $2 AND ts >= to_timestamp($3::bigint / 1000.0) AND ts <= to_timestamp($4::bigint / 1000.0)
       ORDER BY ts, seq LIMIT $5`,
      [tenantId, request.params.id, from, to, request.query.limit ?? 1000],
    );
    return rows.map(toPosition);
  });
};

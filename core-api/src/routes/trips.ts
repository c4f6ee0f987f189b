import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Id, TripEvent, type TripEventKind } from '@fieldtrace/protocol';
import type { Db } from '@fieldtrace/store';
import { READERS, tenantOf } from '../http/auth.js';
import { Limit, TimeBound, withProblems } from '../http/schemas.js';
import { parseRange } from '../http/time.js';
import type { RouteDeps } from './deps.js';

const tags = ['trips'];
const ALL_TIME = { from: 0, to: 8_640_000_000_000 };

const TripQuery = Type.Object({
  vehicleId: Type.Optional(Id),
  deviceId: Type.Optional(Id),
  from: Type.Optional(TimeBound),
  to: Type.Optional(TimeBound),
  limit: Type.Optional(Limit(100, 1000)),
});

/**
 * The processors store every TripEvent in `events` (kind 'trip', the event in `data`, its boundary time in `ts`).
 * A `*_end` event is the finished interval with its start, length and (for trips) distance, so listing trips or
 * stops is listing those. Vehicle and device are read from the event itself, which always carries them.
 */
const TRIP_EVENTS_SQL = /* sql */ `
SELECT data FROM events
WHERE tenant_id = $1 AND kind = 'trip' AND data->>'kind' = $2
  AND ts >= to_timestamp($3::bigint / 1000.0) AND ts <= to_timestamp($4::bigint / 1000.0)
  AND ($5::text IS NULL OR data->>'vehicleId' = $5) AND ($6::text IS NULL OR data->>'deviceId' = $6)
ORDER BY ts DESC, id DESC LIMIT $7`;

async function finished(db: Db, tenantId: string, kind: TripEventKind, q: Static<typeof TripQuery>): Promise<TripEvent[]> {
  const { from, to } = parseRange(q, ALL_TIME);
  const rows = await db.query<{ data: TripEvent }>(TRIP_EVENTS_SQL, [
    tenantId, kind, from, to, q.vehicleId ?? null, q.deviceId ?? null, q.limit ?? 100,
  ]);
  return rows.map((r) => r.data);
}

export const tripRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.get('/trips', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "Completed trips (their 'trip_end' events), newest first; from/to bound when they ended",
      querystring: TripQuery,
      response: withProblems({ 200: Type.Array(TripEvent) }),
    },
  }, async (request) => finished(db, tenantOf(request), 'trip_end', request.query));

  app.get('/stops', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "Completed stops (their 'stop_end' events), newest first; from/to bound when they ended",
      querystring: TripQuery,
      response: withProblems({ 200: Type.Array(TripEvent) }),
    },
  }, async (request) => finished(db, tenantOf(request), 'stop_end', request.query));
};

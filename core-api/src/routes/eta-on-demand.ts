import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventTime, Id, Lat, Lon, type LonLat } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import type { TravelSources } from '../domain/travel-sources.js';
import { READERS, tenantOf } from '../http/auth.js';
import { IdParams, withProblems } from '../http/schemas.js';
import type { RouteDeps } from './deps.js';

const OnDemandEta = Type.Object({
  vehicleId: Id,
  deviceId: Id,
  from: Type.Object({ lat: Lat, lon: Lon, ts: EventTime }),
  to: Type.Object({ lat: Lat, lon: Lon }),
  /** Predicted arrival, Unix ms: the time of the vehicle's last fix plus the travel time. */
  eta: EventTime,
  secondsToGo: Type.Number({ minimum: 0 }),
  distanceM: Type.Number({ minimum: 0 }),
  method: Type.Union([Type.Literal('great-circle'), Type.Literal('route'), Type.Literal('matrix')]),
});

const LAST_FIX = /* sql */ `
SELECT d.id AS device_id, p.lat, p.lon, p.ts
FROM devices d
CROSS JOIN LATERAL (
  SELECT lat, lon, ts FROM positions WHERE tenant_id = d.tenant_id AND device_id = d.id ORDER BY ts DESC LIMIT 1
) p
WHERE d.tenant_id = $1 AND d.vehicle_id = $2
ORDER BY p.ts DESC LIMIT 1`;

/**
 * ETA for any vehicle to any place, on demand: from the vehicle's last fix, through the tenant's learned speeds (as
 * the stream processors save them) or a routing engine when one is configured (falling back to the learned
 * estimate when it cannot answer, and saying so in `method`).
 */
export function etaOnDemandRoutes(sourceFor: TravelSources): FastifyPluginAsyncTypebox<RouteDeps> {
  return async (app, { db }) => {
    app.get('/vehicles/:id/eta', {
      config: { access: { roles: READERS } },
      schema: {
        tags: ['eta'],
        summary: "A vehicle's ETA to any place, from its last fix",
        description: 'Through the speeds the fleet has driven (per H3 cell and hour of week) or, when configured, a routing engine.',
        params: IdParams,
        querystring: Type.Object({ lat: Lat, lon: Lon }),
        response: withProblems({ 200: OnDemandEta }),
      },
    }, async (request) => {
      const tenantId = tenantOf(request);
      const { lat, lon } = request.query;
      const [fix] = await lastFix(db, tenantId, request.params.id);
      if (!fix) throw NotFound(['position of vehicle', request.params.id]);
      const from: LonLat = [fix.lon, fix.lat];
      const [estimate] = await (await sourceFor(tenantId)).durations(from, [[lon, lat]], fix.ts.getTime());
      const seconds = Math.max(0, estimate!.seconds);
      return {
        vehicleId: request.params.id,
        deviceId: fix.device_id,
        from: { lat: fix.lat, lon: fix.lon, ts: fix.ts.getTime() },
        to: { lat, lon },
        eta: fix.ts.getTime() + Math.round(seconds * 1000),
        secondsToGo: Math.round(seconds),
        distanceM: Math.round(estimate!.distanceM),
        method: estimate!.method,
      };
    });
  };
}

function lastFix(db: Db, tenantId: string, vehicleId: string) {
  return db.query<{ device_id: string; lat: number; lon: number; ts: Date }>(LAST_FIX, [tenantId, vehicleId]);
}

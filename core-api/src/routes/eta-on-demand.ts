import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventTime, Id, Lat, Lon, type LonLat } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import { loadSpeedProfile, type Db } from '@fieldtrace/store';
import { learnedTravelTimes, osrmTable, SpeedProfile, valhallaMatrix, type TravelTimeSource } from '@fieldtrace/travel-time';
import { READERS, tenantOf } from '../http/auth.js';
import { IdParams, withProblems } from '../http/schemas.js';
import type { RouteDeps } from './deps.js';

/** Where on-demand ETAs come from: the fleet's learned speeds, or a routing engine's table service in front of them. */
export interface EtaSourceOptions {
  /** 'osrm' | 'valhalla' with ETA_MATRIX_URL; absent: the learned estimate only. */
  matrixKind?: 'osrm' | 'valhalla';
  matrixUrl?: string;
  matrixTimeoutMs?: number;
  /** Prior speed and detour factor where the fleet has learned nothing (as the processors' ETA_DEFAULT_SPEED_MS / ETA_DETOUR_FACTOR). */
  priorSpeedMs: number;
  priorDetourFactor: number;
}

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

const PROFILE_TTL_MS = 60_000;

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
export function etaOnDemandRoutes(opts: EtaSourceOptions): FastifyPluginAsyncTypebox<RouteDeps> {
  return async (app, { db, clock }) => {
    const profiles = new Map<string, { profile: SpeedProfile; loadedAt: number }>();

    async function sourceFor(tenantId: string): Promise<TravelTimeSource> {
      let cached = profiles.get(tenantId);
      if (!cached || clock.now() - cached.loadedAt > PROFILE_TTL_MS) {
        const profile = new SpeedProfile({ priorSpeedMs: opts.priorSpeedMs, priorDetourFactor: opts.priorDetourFactor });
        profile.load(await loadSpeedProfile(db, tenantId));
        profiles.set(tenantId, (cached = { profile, loadedAt: clock.now() }));
      }
      const learned = learnedTravelTimes(cached.profile);
      if (!opts.matrixUrl || !opts.matrixKind) return learned;
      const service = opts.matrixKind === 'osrm' ? osrmTable : valhallaMatrix;
      return service({ baseUrl: opts.matrixUrl, timeoutMs: opts.matrixTimeoutMs, fallback: learned });
    }

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

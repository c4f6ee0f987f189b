import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EtaUpdate } from '@fieldtrace/protocol';
import { ADMINS, READERS, tenantOf } from '../http/auth.js';
import { Limit, TimeBound, withProblems } from '../http/schemas.js';
import { parseRange } from '../http/time.js';
import type { RouteDeps } from './deps.js';

const tags = ['events'];

const StoredEvent = Type.Object({
  id: Type.String(),
  kind: Type.String({ description: "'geofence', 'job', ..." }),
  ts: Type.Integer({ description: 'event time, Unix ms' }),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  vehicleId: Type.Union([Type.String(), Type.Null()]),
  jobId: Type.Union([Type.String(), Type.Null()]),
  geofenceId: Type.Union([Type.String(), Type.Null()]),
  late: Type.Boolean(),
  data: Type.Unknown({ description: 'the bus message that produced the event (GeofenceEvent, JobStatusChange...)' }),
});
interface EventRow {
  id: string; kind: string; ts: Date; device_id: string | null; vehicle_id: string | null; job_id: string | null;
  geofence_id: string | null; late: boolean; data: unknown;
}

const EventQuery = Type.Object({
  from: Type.Optional(TimeBound),
  to: Type.Optional(TimeBound),
  kind: Type.Optional(Type.String({ pattern: '^[a-z_-]{1,32}$' })),
  limit: Type.Optional(Limit(100, 1000)),
});

const DeadLetter = Type.Object({
  id: Type.Integer(),
  receivedAt: Type.String(),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  topic: Type.String(),
  reason: Type.String(),
  detail: Type.String(),
  payloadBase64: Type.String(),
  payloadText: Type.Union([Type.String(), Type.Null()], { description: 'the payload as UTF-8, when it is valid UTF-8' }),
});
interface DeadLetterRow {
  id: number; received_at: Date; device_id: string | null; topic: string; reason: string; detail: string; payload: Uint8Array;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, etas }) => {
  app.get('/events', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'Derived events (geofence transitions, job status changes), newest first',
      querystring: EventQuery,
      response: withProblems({ 200: Type.Array(StoredEvent) }),
    },
  }, async (request) => {
    const q = request.query;
    const { from, to } = parseRange(q, { from: 0, to: 8_640_000_000_000 });
    const rows = await db.query<EventRow>(
      `SELECT id, kind, ts, device_id, vehicle_id, job_id, geofence_id, late, data FROM events
       WHERE tenant_id = $1 AND ts >= to_timestamp($2::bigint / 1000.0) AND ts <= to_timestamp($3::bigint / 1000.0)
         AND ($4::text IS NULL OR kind = $4)
       ORDER BY ts DESC, id DESC LIMIT $5`,
      [tenantOf(request), from, to, q.kind ?? null, q.limit ?? 100],
    );
    return rows.map((r) => ({
      id: r.id, kind: r.kind, ts: r.ts.getTime(), deviceId: r.device_id, vehicleId: r.vehicle_id, jobId: r.job_id,
      geofenceId: r.geofence_id, late: r.late, data: r.data,
    }));
  });

  app.get('/etas', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'The latest ETA of every open job, as last published by the stream processors',
      response: withProblems({ 200: Type.Array(EtaUpdate) }),
    },
  }, async (request) => etas.list(tenantOf(request)));

  app.get('/dead-letters', {
    config: { access: { roles: ADMINS } },
    schema: {
      tags,
      summary: "Uplink messages ingest refused, newest first, with the exact bytes",
      querystring: Type.Object({ limit: Type.Optional(Limit(100, 1000)) }),
      response: withProblems({ 200: Type.Array(DeadLetter) }),
    },
  }, async (request) => {
    const rows = await db.query<DeadLetterRow>(
      `SELECT id, received_at, device_id, topic, reason, detail, payload FROM dead_letters
       WHERE tenant_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2`,
      [tenantOf(request), request.query.limit ?? 100],
    );
    return rows.map((r) => {
      const bytes = r.payload instanceof Uint8Array ? r.payload : new Uint8Array(0);
      return {
        id: r.id, receivedAt: r.received_at.toISOString(), deviceId: r.device_id, topic: r.topic, reason: r.reason,
        detail: r.detail, payloadBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        payloadText: utf8OrNull(bytes),
      };
    });
  });
};

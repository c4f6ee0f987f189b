import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Alert, AlertId, AlertStatus, Id } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import { DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { Limit, TimeBound, withProblems } from '../http/schemas.js';
import { AlertCleared } from '../http/errors.js';
import { parseTimeBound } from '../http/time.js';
import { publishAlertChange, publishChanged } from '../domain/changes.js';
import type { RouteDeps } from './deps.js';

const tags = ['alerts'];
const AlertParams = Type.Object({ id: AlertId });
const AlertQuery = Type.Object({
  status: Type.Optional(AlertStatus),
  vehicleId: Type.Optional(Id),
  since: Type.Optional(TimeBound),
  limit: Type.Optional(Limit(100, 1000)),
});
/** Alert.acknowledgedBy holds at most this many characters. */
const MAX_ACKNOWLEDGER_LENGTH = 128;

/**
 * The stream processors write `alerts` (the whole Alert in `data`, its lifecycle fields also as columns, kept in
 * step); the API reads `data` and, on acknowledgement, updates both. $1 tenant, $2 id, $3 now (ms), $4 who.
 * Only an open alert is acknowledged: the WHERE makes a second acknowledgement, or one racing the processor's
 * clearing, change nothing. `updatedAt` never goes backwards (the processor's event time may be ahead of ours).
 */
const ACKNOWLEDGE = /* sql */ `
UPDATE alerts SET
  status = 'acknowledged',
  acknowledged_at = to_timestamp($3::bigint / 1000.0),
  acknowledged_by = $4,
  updated_at = GREATEST(updated_at, to_timestamp($3::bigint / 1000.0)),
  data = data || jsonb_build_object(
    'status', 'acknowledged', 'acknowledgedAt', $3::bigint, 'acknowledgedBy', $4::text,
    'updatedAt', GREATEST((data->>'updatedAt')::bigint, $3::bigint))
WHERE tenant_id = $1 AND id = $2 AND status = 'open'
RETURNING data`;

export const alertRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus, clock }) => {
  app.get('/alerts', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'Alerts, most recently changed first',
      description: '`since` keeps the alerts changed (raised, acknowledged, cleared...) at or after it, for polling.',
      querystring: AlertQuery,
      response: withProblems({ 200: Type.Array(Alert) }),
    },
  }, async (request) => {
    const q = request.query;
    const since = q.since === undefined ? null : parseTimeBound('since', q.since, 0);
    const rows = await db.query<{ data: Alert }>(
      `SELECT data FROM alerts
       WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR vehicle_id = $3)
         AND ($4::bigint IS NULL OR updated_at >= to_timestamp($4::bigint / 1000.0))
       ORDER BY updated_at DESC, id DESC LIMIT $5`,
      [tenantOf(request), q.status ?? null, q.vehicleId ?? null, since, q.limit ?? 100],
    );
    return rows.map((r) => r.data);
  });

  app.get('/alerts/:id', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'Get an alert', params: AlertParams, response: withProblems({ 200: Alert }) },
  }, async (request) => {
    const [row] = await db.query<{ data: Alert }>('SELECT data FROM alerts WHERE tenant_id = $1 AND id = $2', [
      tenantOf(request), request.params.id,
    ]);
    if (!row) throw NotFound(['alert', request.params.id]);
    return row.data;
  });

  app.post('/alerts/:id/ack', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: 'Acknowledge an open alert (idempotent); a cleared alert is a 409',
      description: 'Records who (the API key\'s name) and when; the alert stays until its condition ends.',
      params: AlertParams,
      response: withProblems({ 200: Alert }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const { id } = request.params;
    const caller = request.caller!;
    const who = (caller.keyName || caller.role).slice(0, MAX_ACKNOWLEDGER_LENGTH);
    const [updated] = await db.query<{ data: Alert }>(ACKNOWLEDGE, [tenantId, id, clock.now(), who]);
    if (updated) {
      publishAlertChange(bus, 'acknowledged', updated.data);
      publishChanged(bus, tenantId, 'alert', id, 'upsert');
      return updated.data;
    }
    const [current] = await db.query<{ status: AlertStatus; data: Alert }>(
      'SELECT status, data FROM alerts WHERE tenant_id = $1 AND id = $2', [tenantId, id],
    );
    if (!current) throw NotFound(['alert', id]);
    if (current.status === 'cleared') throw AlertCleared([id]);
    return current.data; // already acknowledged: nothing changes, nothing is announced
  });
};

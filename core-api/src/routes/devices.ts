import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Device, DeviceInput, deviceUsername } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import { ALL_ROLES, tenantOf } from '../http/auth.js';
import { IdParams, NoContent, withProblems } from '../http/schemas.js';
import { ValidationFailed, conflictAs } from '../http/errors.js';
import { newDeviceSecret, sha256Hex } from '../http/tokens.js';
import { DEVICE_COLUMNS, toDevice, type DeviceRow } from '../domain/rows.js';
import { publishChanged } from '../domain/changes.js';
import type { RouteDeps } from './deps.js';

/** Secrets are stored with a fast hash, which is only safe for high-entropy tokens: 24 chars of base64url ≥ 144 bits. */
const MIN_SECRET_LENGTH = 24;
const PROVISIONERS = ['admin', 'device-provisioning'] as const;
const tags = ['devices'];

const Provisioned = Type.Object({
  device: Device,
  secret: Type.String({ description: 'the MQTT password; returned only here' }),
  mqttUsername: Type.String({ description: '{tenant}/d/{device}' }),
});

export const deviceRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus }) => {
  app.post('/devices', {
    config: { access: { roles: PROVISIONERS } },
    schema: {
      tags,
      summary: 'Provision a device; returns its MQTT credentials once',
      body: DeviceInput,
      response: withProblems({ 201: Provisioned }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const input = request.body;
    if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH) {
      throw ValidationFailed(['body/secret', `must be at least ${MIN_SECRET_LENGTH} characters of random data (omit it to get one generated)`]);
    }
    const secret = input.secret ?? newDeviceSecret();
    const [row] = await conflictAs('device', input.id, () =>
      db.query<DeviceRow>(
        `INSERT INTO devices (tenant_id, id, kind, vehicle_id, profile, secret_hash)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${DEVICE_COLUMNS}`,
        [tenantId, input.id, input.kind, input.vehicleId ?? null, input.profile ?? null, sha256Hex(secret)],
      ),
    );
    publishChanged(bus, tenantId, 'device', input.id, 'upsert');
    return reply.code(201).send({ device: toDevice(row!), secret, mqttUsername: deviceUsername(tenantId, input.id) });
  });

  app.get('/devices', {
    config: { access: { roles: ALL_ROLES } },
    schema: { tags, summary: 'List devices', response: withProblems({ 200: Type.Array(Device) }) },
  }, async (request) => {
    const rows = await db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE tenant_id = $1 ORDER BY id`, [tenantOf(request)]);
    return rows.map(toDevice);
  });

  app.get('/devices/:id', {
    config: { access: { roles: ALL_ROLES } },
    schema: { tags, summary: 'Get a device', params: IdParams, response: withProblems({ 200: Device }) },
  }, async (request) => {
    const [row] = await db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE tenant_id = $1 AND id = $2`, [
      tenantOf(request), request.params.id,
    ]);
    if (!row) throw NotFound(['device', request.params.id]);
    return toDevice(row);
  });

  app.post('/devices/:id/secret', {
    config: { access: { roles: PROVISIONERS } },
    schema: {
      tags,
      summary: 'Issue a new MQTT secret for a device (the old one stops working at its next connect); returned once',
      params: IdParams,
      response: withProblems({ 201: Provisioned }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const secret = newDeviceSecret();
    const [row] = await db.query<DeviceRow>(
      `UPDATE devices SET secret_hash = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${DEVICE_COLUMNS}`,
      [tenantId, request.params.id, sha256Hex(secret)],
    );
    if (!row) throw NotFound(['device', request.params.id]);
    return reply.code(201).send({ device: toDevice(row), secret, mqttUsername: deviceUsername(tenantId, request.params.id) });
  });

  app.delete('/devices/:id', {
    config: { access: { roles: PROVISIONERS } },
    schema: {
      tags,
      summary: 'Delete a device (its credentials stop working; its stored positions stay)',
      params: IdParams,
      response: withProblems({ 204: NoContent }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const rows = await db.query('DELETE FROM devices WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, request.params.id]);
    if (rows.length === 0) throw NotFound(['device', request.params.id]);
    publishChanged(bus, tenantId, 'device', request.params.id, 'delete');
    return reply.code(204).send(null);
  });
};

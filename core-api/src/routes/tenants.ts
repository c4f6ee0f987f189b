import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Tenant, TenantInput } from '@fieldtrace/protocol';
import { ADMINS } from '../http/auth.js';
import { withProblems } from '../http/schemas.js';
import { conflictAs } from '../http/errors.js';
import { newApiKey, sha256Hex } from '../http/tokens.js';
import { toTenant, type TenantRow } from '../domain/rows.js';
import type { RouteDeps } from './deps.js';

const platform = { access: { roles: ADMINS, scope: 'platform' as const } };
const tags = ['tenants'];

/** Tenants are the platform operator's business: a tenant key can neither list nor create them. */
export const tenantRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.post('/tenants', {
    config: platform,
    schema: {
      tags,
      summary: 'Create a tenant and its first admin key (returned once)',
      body: TenantInput,
      response: withProblems({ 201: Type.Object({ tenant: Tenant, adminKey: Type.String() }) }),
    },
  }, async (request, reply) => {
    const { id, name } = request.body;
    const adminKey = newApiKey();
    const [tenantRows] = await conflictAs('tenant', id, () =>
      db.transaction([
        { sql: 'INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id, name, created_at', params: [id, name] },
        { sql: "INSERT INTO api_keys (key_hash, tenant_id, role, name) VALUES ($1, $2, 'admin', 'first admin')", params: [sha256Hex(adminKey), id] },
      ]),
    );
    const row = (tenantRows as TenantRow[])[0]!;
    return reply.code(201).send({ tenant: toTenant(row), adminKey });
  });

  app.get('/tenants', {
    config: platform,
    schema: { tags, summary: 'List tenants', response: withProblems({ 200: Type.Array(Tenant) }) },
  }, async () => {
    const rows = await db.query<TenantRow>('SELECT id, name, created_at FROM tenants ORDER BY id');
    return rows.map(toTenant);
  });
};

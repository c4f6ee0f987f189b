import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Role } from '@fieldtrace/protocol';
import { ADMINS, tenantOf } from '../http/auth.js';
import { withProblems } from '../http/schemas.js';
import { newApiKey, sha256Hex } from '../http/tokens.js';
import type { RouteDeps } from './deps.js';

const ApiKeyInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), role: Role },
  { additionalProperties: false },
);
const IssuedKey = Type.Object({
  key: Type.String({ description: 'shown once; only its SHA-256 is stored' }),
  role: Role,
  name: Type.String(),
});

export const apiKeyRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.post('/api-keys', {
    config: { access: { roles: ADMINS } },
    schema: {
      tags: ['api-keys'],
      summary: 'Issue an API key for this tenant',
      body: ApiKeyInput,
      response: withProblems({ 201: IssuedKey }),
    },
  }, async (request, reply) => {
    const { name, role } = request.body;
    const key = newApiKey();
    await db.query('INSERT INTO api_keys (key_hash, tenant_id, role, name) VALUES ($1, $2, $3, $4)', [
      sha256Hex(key), tenantOf(request), role, name,
    ]);
    return reply.code(201).send({ key, role, name });
  });
};

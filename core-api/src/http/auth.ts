import type { FastifyRequest } from 'fastify';
import { isValidId, type Role } from '@fieldtrace/protocol';
import { Forbidden, NotFound, Unauthorized } from '@fieldtrace/service-kit';
import { globalPlugin } from './plugin.js';
import { OperatorOnly, TenantRequired, ValidationFailed } from './errors.js';
import type { KeyRing, Principal } from './keyring.js';

/**
 * Who may call a route. `platform` routes (tenants) are for operator keys only; every other protected route
 * acts inside one tenant: the key's own, or for an operator key the one named by `x-tenant-id`.
 */
export type Access = 'public' | { roles: readonly Role[]; scope?: 'tenant' | 'platform' };

export interface Caller extends Principal {
  /** The tenant this request acts in; null only on platform routes. */
  actingTenant: string | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export const ALL_ROLES: readonly Role[] = ['admin', 'dispatcher', 'analyst', 'device-provisioning'];
export const READERS: readonly Role[] = ['admin', 'dispatcher', 'analyst'];
export const DISPATCH_WRITERS: readonly Role[] = ['admin', 'dispatcher'];
export const ADMINS: readonly Role[] = ['admin'];

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer <key>`, else `x-api-key`. */
export function keyFromHeaders(headers: FastifyRequest['headers']): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = BEARER.exec(auth);
    if (m?.[1]) return m[1];
  }
  const key = headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : null;
}

/**
 * The tenant an authenticated principal acts in. An operator key names it (header or, for the WebSocket, a
 * query parameter); the tenant must exist so a typo is a 404 rather than an empty world.
 */
export async function actingTenant(keys: KeyRing, principal: Principal, named: string | undefined): Promise<string> {
  if (principal.tenantId !== null) return principal.tenantId;
  if (!named) throw TenantRequired([]);
  if (!isValidId(named)) throw ValidationFailed(['x-tenant-id', 'not a valid tenant id']);
  if (!(await keys.tenantExists(named))) throw NotFound(['tenant', named]);
  return named;
}

/** The caller's tenant; only valid on tenant-scoped routes (the auth hook has run). */
export function tenantOf(request: FastifyRequest): string {
  const tenant = request.caller?.actingTenant;
  if (!tenant) throw new Error(`route ${request.routeOptions.url} read a tenant it does not have`);
  return tenant;
}

export const authPlugin = globalPlugin<{ keys: KeyRing }>('fieldtrace-auth', async (app, { keys }) => {
  app.decorateRequest('caller', null);

  // Fail at start-up, not in production, when someone adds a /v1 route and forgets to say who may call it.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1') && route.config?.access === undefined) {
      throw new Error(`route ${route.method} ${route.url} does not declare config.access`);
    }
  });

  // onRequest runs before the body is parsed and validated: an anonymous caller gets 401, never a 400 hint.
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    const key = keyFromHeaders(request.headers);
    const principal = key ? await keys.lookup(key) : null;
    if (!principal) throw Unauthorized([]);
    if (access.scope === 'platform') {
      if (principal.tenantId !== null) throw OperatorOnly([]);
      request.caller = { ...principal, actingTenant: null };
      return;
    }
    if (!access.roles.includes(principal.role)) throw Forbidden([principal.role, access.roles]);
    const named = request.headers['x-tenant-id'];
    const tenant = await actingTenant(keys, principal, typeof named === 'string' ? named : undefined);
    request.caller = { ...principal, actingTenant: tenant };
  });
});

import type { Role } from '@fieldtrace/protocol';
import type { Clock } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { sha256Hex } from './tokens.js';

/** Who an API key speaks for. `tenantId` null is a platform operator. */
export interface Principal {
  tenantId: string | null;
  role: Role;
  keyName: string;
}

export interface KeyRing {
  /** The key's principal, or null when the key is unknown. */
  lookup(key: string): Promise<Principal | null>;
  tenantExists(tenantId: string): Promise<boolean>;
  /** Stores the hash of `key` as a platform-operator key (idempotent). */
  upsertOperatorKey(key: string, name: string): Promise<void>;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

const MAX_CACHED = 10_000;

/**
 * Key lookups with a short positive cache: every request is authenticated, and a dashboard polls. Unknown keys
 * are never cached (a stream of random keys must not fill memory) and there is no key revocation route yet, so
 * the TTL only bounds how long a key deleted directly in the database keeps working.
 */
export function createKeyRing(db: Db, clock: Clock, ttlMs = 30_000): KeyRing {
  const keys = new Map<string, Cached<Principal>>();
  const tenants = new Map<string, Cached<true>>();

  function remember<T>(cache: Map<string, Cached<T>>, id: string, value: T): void {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(id, { value, expiresAt: clock.now() + ttlMs });
  }
  function recall<T>(cache: Map<string, Cached<T>>, id: string): T | undefined {
    const hit = cache.get(id);
    if (!hit) return undefined;
    if (hit.expiresAt > clock.now()) return hit.value;
    cache.delete(id);
    return undefined;
  }

  return {
    async lookup(key) {
      const hash = sha256Hex(key);
      const cached = recall(keys, hash);
      if (cached) return cached;
      const [row] = await db.query<{ tenant_id: string | null; role: Role; name: string }>(
        'SELECT tenant_id, role, name FROM api_keys WHERE key_hash = $1',
        [hash],
      );
      if (!row) return null;
      const principal: Principal = { tenantId: row.tenant_id, role: row.role, keyName: row.name };
      remember(keys, hash, principal);
      return principal;
    },
    async tenantExists(tenantId) {
      if (recall(tenants, tenantId)) return true;
      const rows = await db.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
      if (rows.length === 0) return false;
      remember(tenants, tenantId, true as const);
      return true;
    },
    async upsertOperatorKey(key, name) {
      const hash = sha256Hex(key);
      await db.query(
        `INSERT INTO api_keys (key_hash, tenant_id, role, name) VALUES ($1, NULL, 'admin', $2)
         ON CONFLICT (key_hash) DO UPDATE SET tenant_id = NULL, role = 'admin'`,
        [hash, name],
      );
      keys.delete(hash);
    },
  };
}

import { FieldtraceError } from '@fieldtrace/service-kit';

export interface TenantKeys {
  id: string;
  adminKey: string;
  dispatcherKey: string;
}

/**
 * Makes sure the demo tenant exists, through the public API as any operator would. On a fresh database the
 * tenant is created with its first admin key; on a restart (the tenant persisted in DATA_DIR) new keys are
 * issued, because only hashes of the old ones were kept.
 */
export async function ensureTenant(apiUrl: string, operatorKey: string, tenantId: string): Promise<TenantKeys> {
  const operator = { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' };
  const created = await fetch(`${apiUrl}/v1/tenants`, {
    method: 'POST', headers: operator, body: JSON.stringify({ id: tenantId, name: `${tenantId} fleet` }),
  });
  let adminKey: string;
  if (created.status === 201) {
    adminKey = ((await created.json()) as { adminKey: string }).adminKey;
  } else if (created.status === 409) {
    adminKey = await issueKey(apiUrl, { ...operator, 'x-tenant-id': tenantId }, 'admin', 'platform launcher');
  } else {
    throw new FieldtraceError('FT_PLATFORM_TENANT', `could not create tenant '${tenantId}': HTTP ${created.status} ${await created.text()}`);
  }
  const dispatcherKey = await issueKey(apiUrl, { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, 'dispatcher', 'dashboard');
  return { id: tenantId, adminKey, dispatcherKey };
}

async function issueKey(apiUrl: string, headers: Record<string, string>, role: string, name: string): Promise<string> {
  const r = await fetch(`${apiUrl}/v1/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name, role }) });
  if (r.status !== 201) throw new FieldtraceError('FT_PLATFORM_KEY', `could not issue a ${role} key: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { key: string }).key;
}

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

/**
 * The demo fleet's alert rules, installed once (a tenant that already has rules keeps its own): what a snow-removal
 * dispatcher would start with. Trucks are simulated, so the thresholds are set to fire now and then, not constantly.
 */
export const DEMO_ALERT_RULES = [
  { id: 'speeding', name: 'Over 50 km/h for 15 s', kind: 'speeding', severity: 'warning', limitKmh: 50, useFenceLimits: true, minDurationS: 15 },
  { id: 'idling', name: 'Idling over 10 minutes', kind: 'idling', severity: 'info', maxIdleS: 600, ptoSensor: 'pto' },
  { id: 'offline', name: 'No signal for 5 minutes', kind: 'offline', severity: 'warning', maxSilenceS: 300 },
  { id: 'drone-battery', name: 'Drone battery under 25%', kind: 'drone_battery', severity: 'critical', minPct: 25 },
  { id: 'late', name: 'Running 15 minutes late', kind: 'eta_slip', severity: 'warning', maxSlipS: 900 },
];

/** The demo fleet re-plans by itself: a new or cancelled job, a truck going offline, reshape the routes on the map. */
export async function ensureDemoAutoPlanning(apiUrl: string, adminKey: string): Promise<void> {
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const put = await fetch(`${apiUrl}/v1/settings/planning`, { method: 'PUT', headers, body: JSON.stringify({ autoApply: true }) });
  if (put.status !== 200) throw new FieldtraceError('FT_PLATFORM_PLANNING', `could not turn on automatic planning: HTTP ${put.status} ${await put.text()}`);
}

export async function ensureDemoAlertRules(apiUrl: string, adminKey: string): Promise<void> {
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const current = await fetch(`${apiUrl}/v1/alert-rules`, { headers });
  if (current.status !== 200) throw new FieldtraceError('FT_PLATFORM_RULES', `could not read alert rules: HTTP ${current.status} ${await current.text()}`);
  if (((await current.json()) as unknown[]).length > 0) return;
  const put = await fetch(`${apiUrl}/v1/alert-rules`, { method: 'PUT', headers, body: JSON.stringify(DEMO_ALERT_RULES) });
  if (put.status !== 200) throw new FieldtraceError('FT_PLATFORM_RULES', `could not install alert rules: HTTP ${put.status} ${await put.text()}`);
}

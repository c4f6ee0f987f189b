import { defineError } from '@fieldtrace/service-kit';
import type { Fleet } from './fleet.js';

export interface ProvisionOptions {
  apiUrl: string;
  apiKey: string;
  /** Sent as `x-tenant-id` for platform-operator keys, which are not bound to one tenant. */
  tenantId?: string;
  concurrency?: number;
  fetch?: typeof fetch;
}

export interface DeviceCredentials {
  deviceId: string;
  secret: string;
  mqttUsername: string;
}

export const ProvisionFailed = defineError('FT_SIM_PROVISION_FAILED', 502, (what: string, status: number, body: string) =>
  `provisioning ${what} failed with HTTP ${status}: ${body.slice(0, 300)}`,
);

interface DeviceCreated {
  device: { id: string };
  secret: string;
  mqttUsername: string;
}

/**
 * Creates the fleet through core-api and returns every device's MQTT credentials. Safe to re-run: an entity that
 * already exists (409) is kept; for an existing device a new secret is issued (`POST /v1/devices/:id/secret`),
 * since secrets are returned only once. The device keeps its id and history.
 */
export async function provisionFleet(options: ProvisionOptions, fleet: Fleet): Promise<DeviceCredentials[]> {
  const call = client(options);
  const limit = options.concurrency ?? 8;
  await inParallel(fleet.vehicles, limit, (v) => call.create(`vehicle ${v.id}`, '/v1/vehicles', { id: v.id, name: v.name, kind: v.kind }));
  await inParallel(fleet.sites, limit, (s) =>
    call.create(`site ${s.id}`, '/v1/sites', { id: s.id, name: s.name, location: s.location, radiusM: s.radiusM }),
  );
  const credentials = await inParallel(fleet.devices, limit, async (d) => {
    const body: Record<string, unknown> = { id: d.id, kind: d.kind, profile: d.profile };
    if (d.vehicleId !== null) body.vehicleId = d.vehicleId;
    let created = await call.create<DeviceCreated>(`device ${d.id}`, '/v1/devices', body);
    if (created === 'exists') {
      created = await call.create<DeviceCreated>(`device ${d.id} secret`, `/v1/devices/${encodeURIComponent(d.id)}/secret`, {});
      if (created === 'exists') throw ProvisionFailed([`device ${d.id}`, 409, 'secret rotation refused']);
    }
    return { deviceId: d.id, secret: created.secret, mqttUsername: created.mqttUsername };
  });
  await inParallel(fleet.jobs, limit, (j) =>
    call.create(`job ${j.id}`, '/v1/jobs', {
      id: j.id,
      siteId: j.siteId,
      title: j.title,
      vehicleId: j.vehicleId,
      routeOrder: j.routeOrder,
      windowStart: j.windowStart,
      windowEnd: j.windowEnd,
      status: j.status,
    }),
  );
  return credentials;
}

function client(options: ProvisionOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.apiUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' };
  if (options.tenantId) headers['x-tenant-id'] = options.tenantId;
  return {
    async create<T = unknown>(what: string, path: string, body: unknown): Promise<T | 'exists'> {
      const res = await doFetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (res.status === 409) {
        await res.body?.cancel();
        return 'exists';
      }
      if (!res.ok) throw ProvisionFailed([what, res.status, await res.text()]);
      return (await res.json()) as T;
    },
  };
}

/** Runs `work` over `items` with at most `limit` in progress; results keep the input order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

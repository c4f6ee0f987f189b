import mqtt, { type MqttClient } from 'mqtt';
import { deviceUsername, uplinkTopic } from '@fieldtrace/protocol';
import type { RunningPlatform } from './platform-process.js';

/** A tenant admin key and N provisioned, connected devices of the `bench` tenant: what the platform benchmarks drive. */

export interface BenchDevice {
  id: string;
  client: MqttClient;
  topic: string;
  seq: number;
}

export async function benchAdminKey(p: RunningPlatform): Promise<string> {
  const op = { authorization: `Bearer ${p.operatorKey}`, 'content-type': 'application/json', 'x-tenant-id': 'bench' };
  const res = await fetch(`${p.apiUrl}/v1/api-keys`, { method: 'POST', headers: op, body: JSON.stringify({ name: 'bench', role: 'admin' }) });
  if (res.status !== 201) throw new Error(`api key: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/** POSTs `bodies` to an API path, 20 at a time; throws on the first refusal. Returns the parsed responses. */
export async function postAll<T>(p: RunningPlatform, key: string, path: string, bodies: readonly object[]): Promise<T[]> {
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const out: T[] = [];
  for (let i = 0; i < bodies.length; i += 20) {
    out.push(...(await Promise.all(bodies.slice(i, i + 20).map(async (body) => {
      const r = await fetch(`${p.apiUrl}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
      if (r.status !== 201) throw new Error(`POST ${path}: HTTP ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    }))));
  }
  return out;
}

export async function benchDevices(p: RunningPlatform, key: string, count: number): Promise<BenchDevice[]> {
  const ids = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  const created = await postAll<{ secret: string }>(p, key, '/v1/devices', ids.map((id) => ({ id, kind: 'truck' })));
  return Promise.all(ids.map(async (id, i) => {
    const username = deviceUsername('bench', id);
    const client = await mqtt.connectAsync(p.mqttUrl, { clientId: username, username, password: created[i]!.secret, protocolVersion: 4, reconnectPeriod: 0 });
    return { id, client, topic: uplinkTopic('bench', id, 'fix'), seq: 0 };
  }));
}

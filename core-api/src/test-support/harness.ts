import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createLocalBus, silentLogger, type Bus, type Clock } from '@fieldtrace/service-kit';
import { openStore, type Db } from '@fieldtrace/store';
import type { Role } from '@fieldtrace/protocol';
import { buildApi, type ApiConfig, type CoreApi } from '../app.js';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}
export function manualClock(start = Date.UTC(2025, 5, 2, 9, 0, 0)): ManualClock {
  let now = start;
  return { now: () => now, set: (ms) => void (now = ms), advance: (ms) => void (now += ms) };
}

export interface Harness {
  api: CoreApi;
  db: Db;
  bus: Bus;
  clock: ManualClock;
  /** `app.inject` with a key (Bearer) and an optional JSON body. */
  call(method: InjectOptions['method'], url: string, key?: string | null, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Creates a tenant through the API and returns its first admin key. */
  tenant(id: string): Promise<string>;
  /** Issues a key with `role` in the tenant of `adminKey`. */
  key(adminKey: string, role: Role): Promise<string>;
  close(): Promise<void>;
}

/** core-api on in-memory PGlite (in this thread) and the local bus. One per test file: PGlite takes ~1 s to open. */
export async function openHarness(opts: { flushMs?: number; config?: Partial<ApiConfig> } = {}): Promise<Harness> {
  const db = await openStore({ pgliteThread: 'inline' }, silentLogger);
  const bus = createLocalBus(silentLogger);
  const clock = manualClock();
  const api = buildApi(
    { HTTP_PORT: 0, HTTP_HOST: '127.0.0.1', LIVE_FLUSH_MS: opts.flushMs ?? 20, ADMIN_API_KEY: OPERATOR_KEY, ...opts.config },
    { db, bus, logger: silentLogger, clock },
  );
  const call: Harness['call'] = (method, url, key, body, headers = {}) =>
    api.app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  return {
    api, db, bus, clock, call,
    async tenant(id) {
      const res = await call('POST', '/v1/tenants', OPERATOR_KEY, { id, name: `Tenant ${id}` });
      if (res.statusCode !== 201) throw new Error(`tenant ${id}: ${res.statusCode} ${res.body}`);
      return (res.json() as { adminKey: string }).adminKey;
    },
    async key(adminKey, role) {
      const res = await call('POST', '/v1/api-keys', adminKey, { name: `${role} key`, role });
      if (res.statusCode !== 201) throw new Error(`key ${role}: ${res.statusCode} ${res.body}`);
      return (res.json() as { key: string }).key;
    },
    async close() {
      await api.close();
      await bus.close();
      await db.close();
    },
  };
}

/** Records what the bus carries on one filter. */
export async function recordBus<T>(bus: Bus, filter: string): Promise<{ messages: { topic: string; message: T }[]; stop(): Promise<void> }> {
  const messages: { topic: string; message: T }[] = [];
  const stop = await bus.subscribe(filter, (topic, message) => messages.push({ topic, message: message as T }));
  return { messages, stop };
}

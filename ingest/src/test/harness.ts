import { createLocalBus, silentLogger, type Bus } from '@fieldtrace/service-kit';
import { openStore, type Db } from '@fieldtrace/store';
import { FakeClock, newSecret, sha256Hex } from '@fieldtrace/testkit';
import { buildIngest, type Ingest, type IngestEndpoints } from '../ingest.js';
import { IngestConfig } from '../config.js';
import { loadConfig } from '@fieldtrace/service-kit';

export interface Harness {
  db: Db;
  bus: Bus;
  ingest: Ingest;
  endpoints: IngestEndpoints;
  clock: FakeClock;
  secrets: Record<string, string>;
  close(): Promise<void>;
}

/** An ingest on port 0 over a fresh store, with tenant `t1` and devices `dev-a`, `dev-b` provisioned. */
export async function startIngest(opts: { databaseUrl?: string; schema?: string; mqttUrl?: string; db?: Db; env?: Record<string, string> } = {}): Promise<Harness> {
  const db = opts.db ?? (await openStore({ databaseUrl: opts.databaseUrl, schema: opts.schema, pgliteThread: 'inline' }, silentLogger));
  const secrets: Record<string, string> = { 'dev-a': newSecret(), 'dev-b': newSecret() };
  await db.query("INSERT INTO tenants (id, name) VALUES ('t1', 'Tenant One') ON CONFLICT DO NOTHING");
  for (const [id, secret] of Object.entries(secrets)) {
    await db.query("INSERT INTO devices (tenant_id, id, kind, secret_hash) VALUES ('t1', $1, 'truck', $2)", [id, sha256Hex(secret)]);
  }
  const bus = createLocalBus(silentLogger);
  const clock = new FakeClock(Date.now());
  const config = loadConfig(IngestConfig, {
    MQTT_PORT: '0', INGEST_HTTP_PORT: '0', MQTT_HOST: '127.0.0.1', BATCH_FLUSH_MS: '5',
    ...(opts.mqttUrl ? { MQTT_URL: opts.mqttUrl, INGEST_CLIENT_ID: `ft-ingest-test-${process.pid}-${Date.now()}`, INGEST_SHARE_GROUP: `test${process.pid}x${Date.now()}`, INGEST_SESSION_EXPIRY_S: '10' } : {}),
    ...opts.env,
  });
  const ingest = buildIngest(config, { db, bus, logger: silentLogger, clock });
  const endpoints = await ingest.start();
  return {
    db, bus, ingest, endpoints, clock, secrets,
    async close() {
      await ingest.close();
      await bus.close();
      if (opts.schema) await db.exec(`DROP SCHEMA "${opts.schema}" CASCADE`);
      if (!opts.db) await db.close();
    },
  };
}

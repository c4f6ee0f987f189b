import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';

export interface RunningPlatform {
  apiUrl: string;
  mqttUrl: string;
  metricsUrl: string;
  operatorKey: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The platform as users run it (`npm start`), in its own process, so the load generator does not share its
 * event loop. No simulated fleet: the benchmark brings its own devices.
 */
export async function startPlatformProcess(env: Record<string, string> = {}): Promise<RunningPlatform> {
  const [http, mqtt, ingestHttp] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'ft-bench-'));
  const operatorKey = randomBytes(32).toString('base64url');
  const main = createRequire(import.meta.url).resolve('@fieldtrace/platform').replace(/index\.js$/, 'main.js');
  // PLATFORM_NODE_ARGS: extra node flags for the platform process (e.g. --cpu-prof to profile it under load).
  const nodeArgs = (process.env.PLATFORM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, main], {
    env: {
      ...process.env, HTTP_PORT: String(http), MQTT_PORT: String(mqtt), INGEST_HTTP_PORT: String(ingestHttp),
      HTTP_HOST: '127.0.0.1', MQTT_HOST: '127.0.0.1', DATA_DIR: dataDir, SIM_TRUCKS: '0', TENANT_ID: 'bench',
      ADMIN_API_KEY: operatorKey, LOG_LEVEL: 'warn', ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Fieldtrace is running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`platform exited with code ${code} before it was ready:\n${out}`)));
  });
  return {
    apiUrl: `http://127.0.0.1:${http}`,
    mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
    metricsUrl: `http://127.0.0.1:${ingestHttp}/metrics`,
    operatorKey,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads one counter from Prometheus text. */
export async function scrapeCounter(metricsUrl: string, line: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = text.split('\n').find((l) => l.startsWith(line + ' '));
  return m ? Number(m.slice(line.length + 1)) : 0;
}

/**
 * A PostgreSQL URL whose search_path is a new, empty schema, so every benchmark run starts from nothing (the
 * `bench` tenant, its devices and fences would otherwise already exist from the previous run).
 */
export async function freshPostgresUrl(): Promise<string> {
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = 'ft_bench';
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

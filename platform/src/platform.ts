import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigInvalid, FieldtraceError, createLocalBus, loadConfig, type Bus, type Clock } from '@fieldtrace/service-kit';
import { openStore, type Db } from '@fieldtrace/store';
import { buildIngest, IngestConfig, type Ingest, type IngestEndpoints } from '@fieldtrace/ingest';
import { buildProcessors, inspectionWorkerFromConfig, ProcessorsConfigSchema, type InspectionWorker, type Processors } from '@fieldtrace/stream-processors';
import { buildApi, CoreApiConfigSchema, type CoreApi } from '@fieldtrace/core-api';
import { buildSimulator, SimulatorConfig, type Simulator } from '@fieldtrace/edge-agent';
import { dashboardDir } from '@fieldtrace/dashboards';
import { PlatformConfig } from './config.js';
import { ensureDemoAlertRules, ensureDemoAutoPlanning, ensureTenant } from './tenant.js';
import { ensureDemoInspection } from './demo-inspection.js';

type Env = Record<string, string | undefined>;

export interface PlatformEndpoints extends IngestEndpoints {
  apiUrl: string;
  /** Opens the dispatcher map already signed in as the demo tenant's dispatcher. */
  dashboardUrl: string;
  tenantId: string;
  /** The tenant's admin key (returned so tests and benchmarks can provision devices). */
  tenantAdminKey: string;
  operatorKey: string;
}

export interface Platform {
  readonly db: Db;
  readonly bus: Bus;
  readonly ingest: Ingest;
  readonly processors: Processors;
  /** Null when INSPECTION_ENABLED is false. */
  readonly inspections: InspectionWorker | null;
  readonly api: CoreApi;
  readonly simulator: Simulator | null;
  start(): Promise<PlatformEndpoints>;
  close(): Promise<void>;
}

/**
 * Everything in one process on embedded defaults: aedes, PGlite (on its own thread), the processors, the API
 * with the dispatcher map, and a simulated fleet. The services are the same ones that run apart in production;
 * here they share one in-process bus instead of an external broker, because an embedded broker forwarding to
 * subscribers in other processes collapses under load on this machine.
 */
export async function buildPlatform(env: Env, deps: { logger: Logger; clock: Clock }): Promise<Platform> {
  const { logger, clock } = deps;
  // Defaults the launcher decides; anything set in the environment wins.
  const operatorKey = env.ADMIN_API_KEY ?? randomBytes(32).toString('base64url');
  const merged: Env = { DASHBOARD_DIR: dashboardDir, ...env, ADMIN_API_KEY: operatorKey };
  const configs = loadAll(merged);
  const dataDir = configs.platform.DATA_DIR === ':memory:' ? undefined : resolve(configs.platform.DATA_DIR);
  if (!merged.DATABASE_URL && dataDir) mkdirSync(dataDir, { recursive: true });
  // Uploaded drone images live beside the database (`.data/images` by default).
  if (!configs.api.IMAGE_DIR && dataDir) configs.api = { ...configs.api, IMAGE_DIR: resolve(dataDir, '..', 'images') };

  const db = await openStore({ databaseUrl: merged.DATABASE_URL, dataDir, retentionDays: configs.ingest.RETENTION_DAYS }, logger.child({ svc: 'store' }));
  const bus = createLocalBus(logger);
  const ingest = buildIngest(configs.ingest, { db, bus, logger: logger.child({ svc: 'ingest' }), clock });
  const processors = buildProcessors(configs.processors, { db, bus, logger: logger.child({ svc: 'stream-processors' }), clock });
  const api = buildApi(configs.api, { db, bus, logger: logger.child({ svc: 'core-api' }), clock });
  // The worker reads the pictures the API stored: one image folder for both.
  const inspections = inspectionWorkerFromConfig(
    { ...configs.processors, IMAGE_DIR: configs.processors.IMAGE_DIR ?? configs.api.IMAGE_DIR },
    { db, bus, logger: logger.child({ svc: 'stream-processors' }), clock },
  );
  let simulator: Simulator | null = null;
  let demoInspection: Promise<void> = Promise.resolve();
  const started: { name: string; close(): Promise<void> }[] = [];

  const platform: Platform = {
    db, bus, ingest, processors, inspections, api,
    get simulator() {
      return simulator;
    },
    async start() {
      try {
        const endpoints = await ingest.start();
        started.push({ name: 'ingest', close: () => ingest.close() });
        await processors.start();
        started.push({ name: 'stream-processors', close: () => processors.close() });
        if (inspections) {
          await inspections.start();
          started.push({ name: 'inspections', close: () => inspections.close() });
        }
        const apiUrl = await api.start();
        started.push({ name: 'core-api', close: () => api.close() });
        const tenant = await ensureTenant(apiUrl, operatorKey, configs.platform.TENANT_ID);
        if (configs.platform.SIM_TRUCKS > 0) {
          await ensureDemoAlertRules(apiUrl, tenant.adminKey);
          await ensureDemoAutoPlanning(apiUrl, tenant.adminKey);
          simulator = buildSimulator(
            { ...configs.simulator, MQTT_URL: endpoints.mqttUrl, API_URL: apiUrl, API_KEY: tenant.adminKey, TENANT_ID: tenant.id },
            { logger: logger.child({ svc: 'edge-agent' }), clock },
          );
          await simulator.start();
          const sim = simulator;
          started.push({ name: 'edge-agent', close: () => sim.close() });
          if (configs.platform.DEMO_INSPECTION && inspections) {
            // In the background: drawing and uploading the pictures takes a few seconds the map need not wait for.
            demoInspection = ensureDemoInspection(apiUrl, tenant.adminKey).then(
              (r) => { if (r.created) logger.info({ images: r.images }, 'demo roof inspection queued: its findings appear on the map shortly'); },
              (err: unknown) => logger.warn({ err }, 'demo roof inspection not created'),
            );
          }
        }
        return {
          ...endpoints,
          apiUrl,
          dashboardUrl: `${apiUrl}/?key=${encodeURIComponent(tenant.dispatcherKey)}`,
          tenantId: tenant.id,
          tenantAdminKey: tenant.adminKey,
          operatorKey,
        };
      } catch (err) {
        await platform.close().catch(() => undefined);
        throw err;
      }
    },
    async close() {
      await demoInspection;
      for (const c of started.splice(0).reverse()) {
        await c.close().catch((err: unknown) => logger.error({ err, component: c.name }, 'close failed'));
      }
      await bus.close();
      await db.close();
    },
  };
  return platform;
}

/** Every service validates its own part of the environment; all their problems are reported together. */
function loadAll(env: Env) {
  const problems: string[] = [];
  const load = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FieldtraceError && err.code === ConfigInvalid.code) {
        problems.push(...err.message.split('\n  - ').slice(1).map((p) => `${p} [${what}]`));
        return undefined as T;
      }
      throw err;
    }
  };
  const configs = {
    platform: load('platform', () => loadConfig(PlatformConfig, env)),
    ingest: load('ingest', () => loadConfig(IngestConfig, env)),
    processors: load('stream-processors', () => loadConfig(ProcessorsConfigSchema, env)),
    api: load('core-api', () => loadConfig(CoreApiConfigSchema, env)),
    simulator: load('edge-agent', () => loadConfig(SimulatorConfig, env)),
  };
  // Variables several services read (LOG_LEVEL, MQTT_URL...) are reported once, naming every reader.
  const byProblem = new Map<string, string[]>();
  for (const p of problems) {
    const m = /^(.*) \[(.*)\]$/.exec(p)!;
    byProblem.set(m[1]!, [...(byProblem.get(m[1]!) ?? []), m[2]!]);
  }
  if (byProblem.size > 0) throw ConfigInvalid([[...byProblem].map(([p, who]) => `${p} [${who.join(', ')}]`)]);
  return configs;
}

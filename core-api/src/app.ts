import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { explainListenError, type Bus, type Clock, type Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import type { CoreApiConfig } from './config.js';
import { authPlugin } from './http/auth.js';
import { createKeyRing } from './http/keyring.js';
import { openApiPlugin } from './http/openapi.js';
import { problemsPlugin } from './http/problems.js';
import { createEtaStore } from './live/eta-store.js';
import { createLiveFanout, type LiveFanout } from './live/fanout.js';
import { subscribeLiveFeed } from './live/bus-feed.js';
import { attachLiveServer } from './live/live-server.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { deviceRoutes } from './routes/devices.js';
import { eventRoutes } from './routes/events.js';
import { geofenceRoutes } from './routes/geofences.js';
import { jobRoutes } from './routes/jobs.js';
import { siteRoutes } from './routes/sites.js';
import { telemetryRoutes } from './routes/telemetry.js';
import { tenantRoutes } from './routes/tenants.js';
import { vehicleRoutes } from './routes/vehicles.js';
import { imageRoutes } from './routes/images.js';
import { inspectionRoutes } from './routes/inspections.js';
import { alertRuleRoutes } from './routes/alert-rules.js';
import { alertRoutes } from './routes/alerts.js';
import { timesheetRoutes } from './routes/timesheets.js';
import { etaOnDemandRoutes } from './routes/eta-on-demand.js';
import { tripRoutes } from './routes/trips.js';
import { planRoutes } from './routes/plans.js';
import { planSolveRoutes } from './routes/plans-solve.js';
import { createTravelSources } from './domain/travel-sources.js';
import { createPlanSolver } from './planning/plan-solver.js';
import type { RouteDeps } from './routes/deps.js';

export interface CoreApiDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  clock: Clock;
}

/** The config fields buildApi reads; the rest of CoreApiConfig is for main.ts. */
export type ApiConfig = Pick<CoreApiConfig, 'HTTP_PORT' | 'HTTP_HOST' | 'LIVE_FLUSH_MS'> &
  Partial<Pick<CoreApiConfig, 'ADMIN_API_KEY' | 'DASHBOARD_DIR' | 'IMAGE_DIR' | 'ETA_MATRIX_KIND' | 'ETA_MATRIX_URL' |
    'ETA_MATRIX_TIMEOUT_MS' | 'ETA_DEFAULT_SPEED_MS' | 'ETA_DETOUR_FACTOR' | 'VROOM_URL' | 'VROOM_TIMEOUT_MS' | 'VROOM_RETRIES' |
    'PLAN_BUDGET_MS'>>;

export interface CoreApi {
  app: FastifyInstance;
  /** Listens on HTTP_HOST:HTTP_PORT and resolves with the base URL (the real port when HTTP_PORT is 0). */
  start(): Promise<string>;
  close(): Promise<void>;
  /** The live feed fan-out, for metrics. */
  fanout: LiveFanout;
}

const API_VERSION = '1.0.0';
const CONTEXTS = [
  tenantRoutes, apiKeyRoutes, deviceRoutes, vehicleRoutes, siteRoutes, geofenceRoutes, jobRoutes, telemetryRoutes, eventRoutes,
  alertRuleRoutes, alertRoutes, timesheetRoutes, tripRoutes, planRoutes,
];

export function buildApi(config: ApiConfig, deps: CoreApiDeps): CoreApi {
  const { db, bus, clock, logger } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // `/v1/jobs/` is a typo for `/v1/jobs`, not a different resource.
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>();

  const keys = createKeyRing(db, clock);
  const etas = createEtaStore();
  const fanout = createLiveFanout({ flushIntervalMs: config.LIVE_FLUSH_MS });
  const live = attachLiveServer(app.server, { db, keys, fanout, logger });
  let unsubscribe: (() => Promise<void>) | null = null;

  app.register(problemsPlugin);
  app.register(authPlugin, { keys });
  app.register(openApiPlugin, { version: API_VERSION });

  // Inside a plugin so it is declared after the OpenAPI hook is in place (a root-level route would be missed).
  app.register(async (scope) => {
    scope.get('/healthz', {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'Liveness', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    }, async () => ({ status: 'ok' as const }));
  });

  const routeDeps: RouteDeps = { db, bus, clock, etas };
  for (const context of CONTEXTS) app.register(context, { prefix: '/v1', ...routeDeps });
  const travel = createTravelSources(db, clock, {
    matrixKind: config.ETA_MATRIX_KIND,
    matrixUrl: config.ETA_MATRIX_URL,
    matrixTimeoutMs: config.ETA_MATRIX_TIMEOUT_MS,
    priorSpeedMs: config.ETA_DEFAULT_SPEED_MS ?? 8.3,
    priorDetourFactor: config.ETA_DETOUR_FACTOR ?? 1.3,
  });
  app.register(etaOnDemandRoutes(travel), { prefix: '/v1', ...routeDeps });
  const solver = createPlanSolver({
    vroomUrl: config.VROOM_URL,
    vroomTimeoutMs: config.VROOM_TIMEOUT_MS ?? 10_000,
    vroomRetries: config.VROOM_RETRIES ?? 1,
    budgetMs: config.PLAN_BUDGET_MS ?? 2000,
  }, logger);
  app.register(planSolveRoutes(solver, travel), { prefix: '/v1', ...routeDeps });
  if (config.IMAGE_DIR) app.register(imageRoutes, { prefix: '/v1', ...routeDeps, imageDir: config.IMAGE_DIR });
  // Without an image store only edge results (detections a ground station sent) can be inspected.
  app.register(inspectionRoutes, { prefix: '/v1', ...routeDeps, imageDir: config.IMAGE_DIR });

  if (config.DASHBOARD_DIR) {
    const root = config.DASHBOARD_DIR;
    // Encapsulated, so the static handler's decorators stay out of the API's context (swagger-ui has its own).
    app.register(async (scope) => {
      await scope.register(fastifyStatic, { root, prefix: '/', index: ['index.html'] });
    });
  }

  app.addHook('onReady', async () => {
    if (config.ADMIN_API_KEY) await keys.upsertOperatorKey(config.ADMIN_API_KEY, 'ADMIN_API_KEY');
    unsubscribe = await subscribeLiveFeed(bus, fanout, etas, logger);
  });
  app.addHook('preClose', async () => {
    await unsubscribe?.();
    unsubscribe = null;
    await live.close();
  });

  return {
    app: app as unknown as FastifyInstance,
    fanout,
    async start() {
      try {
        await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
      } catch (err) {
        throw explainListenError(err, 'core-api HTTP', config.HTTP_PORT, 'HTTP_PORT');
      }
      const address = app.server.address();
      if (address === null || typeof address === 'string') return String(address);
      const host = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
      return `http://${address.family === 'IPv6' && host !== 'localhost' ? `[${host}]` : host}:${address.port}`;
    },
    async close() {
      await app.close();
    },
  };
}

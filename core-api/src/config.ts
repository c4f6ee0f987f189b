import { Type, type Static } from '@sinclair/typebox';

/** core-api's environment. Property names are the environment variable names (service-kit `loadConfig`). */
export const CoreApiConfigSchema = Type.Object({
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '0 picks a free port' }),
  HTTP_HOST: Type.String({ default: '0.0.0.0' }),
  /**
   * When set, its hash is upserted on start as a platform-operator key (tenant NULL, role admin): the only way
   * to create the first tenant on a fresh database. At least 24 characters so nobody deploys "admin".
   */
  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 24 })),
  /** Where uploaded drone images are kept (resumable uploads at /v1/images); the image routes exist only when set. */
  IMAGE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Folder with the dispatcher map (index.html); served at `/` when set. */
  DASHBOARD_DIR: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** PGlite data directory (when DATABASE_URL is absent); in memory when absent too. */
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** External broker for the bus; the in-process bus when absent (then only this process's publishers are heard). */
  MQTT_URL: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
      Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  /**
   * Live feed batching period, ms: one WebSocket frame per tenant per period. 25 ms keeps a dispatcher's map
   * within 100 ms of the truck at the 99th percentile (bench/ingest) while a frame still carries many positions.
   */
  LIVE_FLUSH_MS: Type.Integer({ minimum: 5, maximum: 5000, default: 25 }),
  /** On-demand ETA (GET /v1/vehicles/:id/eta): a routing engine's table service in front of the learned speeds. */
  ETA_MATRIX_KIND: Type.Optional(Type.Union([Type.Literal('osrm'), Type.Literal('valhalla')])),
  ETA_MATRIX_URL: Type.Optional(Type.String({ minLength: 1, description: 'e.g. http://osrm:5000' })),
  ETA_MATRIX_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 2000 }),
  ETA_DEFAULT_SPEED_MS: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 8.3, description: 'speed where the fleet has not driven, m/s' }),
  ETA_DETOUR_FACTOR: Type.Number({ minimum: 1, maximum: 5, default: 1.3, description: 'road ÷ great-circle before one is learned' }),
  /** POST /v1/plans/solve: a vroom-express server answers first, the embedded solver when it cannot; absent: embedded only. */
  VROOM_URL: Type.Optional(Type.String({ minLength: 1, description: 'e.g. http://vroom:3000' })),
  VROOM_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
  /** Further attempts after a failed request to VROOM_URL (network errors and 5xx only), before falling back. */
  VROOM_RETRIES: Type.Integer({ minimum: 0, maximum: 5, default: 1 }),
  /** Embedded solver's time budget per solve, ms (a request's `options.l`, seconds, may lower it). */
  PLAN_BUDGET_MS: Type.Integer({ minimum: 50, maximum: 120_000, default: 2000 }),
});
export type CoreApiConfig = Static<typeof CoreApiConfigSchema>;

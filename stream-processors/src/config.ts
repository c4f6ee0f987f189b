import { Type, type Static } from '@sinclair/typebox';

/** Environment of the stream processors; property names are the variable names (see service-kit loadConfig). */
export const ProcessorsConfigSchema = Type.Object({
  DATABASE_URL: Type.Optional(Type.String({ description: 'PostgreSQL URL; the embedded PGlite is used when absent' })),
  DATA_DIR: Type.Optional(Type.String({ description: 'PGlite data directory; in memory when absent' })),
  MQTT_URL: Type.Optional(Type.String({ description: 'External broker carrying the bus; required for a standalone process' })),
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  GEOFENCE_MAX_MARGIN_M: Type.Number({ minimum: 0, maximum: 500, default: 25, description: 'hysteresis margin cap, metres' }),
  ETA_DETOUR_FACTOR: Type.Number({ minimum: 1, maximum: 5, default: 1.3, description: 'road ÷ great-circle distance' }),
  ETA_DEFAULT_SPEED_MS: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 8.3, description: 'prior speed, m/s' }),
  ETA_MIN_CHANGE_S: Type.Number({ minimum: 0, default: 60, description: 'publish when the ETA moves by more, seconds' }),
  ETA_MAX_SILENCE_S: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'publish at least this often, seconds' }),
  ETA_MIN_INTERVAL_S: Type.Number({ minimum: 0, default: 5, description: 'at most one update per job per this, seconds' }),
});
export type ProcessorsConfig = Static<typeof ProcessorsConfigSchema>;

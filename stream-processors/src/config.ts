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
  GEOFENCE_DWELL_IN_S: Type.Integer({ minimum: 0, maximum: 86400, default: 120, description: 'inside this long before "arrive" (fences without their own), seconds' }),
  GEOFENCE_DWELL_OUT_S: Type.Integer({ minimum: 0, maximum: 86400, default: 180, description: 'outside this long after arriving before "depart", seconds' }),
  JOB_FENCE_MARGIN_MIN: Type.Integer({ minimum: 0, maximum: 1440, default: 60, description: "a job's fence opens this long before its window and closes this long after, minutes" }),
  REORDER_WINDOW_MS: Type.Integer({ minimum: 0, maximum: 600000, default: 0, description: 'how long a fix waits for older ones before processing, ms (0: none; a late fix is corrected by a replay instead)' }),
  EVENT_HISTORY_FIXES: Type.Integer({ minimum: 128, maximum: 1000000, default: 4096, description: 'fixes kept per device to replay late ones into' }),
  PROCESSOR_TICK_MS: Type.Integer({ minimum: 10, maximum: 10000, default: 200, description: 'timer releasing held fixes, replaying late ones and firing time-driven alerts, ms' }),
  PROCESSOR_PARTITION: Type.String({ pattern: '^[0-9]+/[1-9][0-9]*$', default: '0/1', description: 'k/N: this process owns the devices whose id hashes to k of N' }),
  ETA_DETOUR_FACTOR: Type.Number({ minimum: 1, maximum: 5, default: 1.3, description: 'road ÷ great-circle distance' }),
  ETA_DEFAULT_SPEED_MS: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 8.3, description: 'prior speed, m/s' }),
  ETA_MIN_CHANGE_S: Type.Number({ minimum: 0, default: 120, description: 'publish when the ETA moves by more, seconds' }),
  ETA_LEARN: Type.Boolean({ default: true, description: 'learn speeds per H3 cell and hour of week, and the detour factor, from the fleet' }),
  ETA_OFF_ROUTE_M: Type.Number({ minimum: 10, maximum: 5000, default: 100, description: 'farther than this from its planned route, a vehicle is estimated in a straight line, metres' }),
  ETA_PROFILE_SAVE_S: Type.Integer({ minimum: 10, maximum: 86400, default: 300, description: 'how often the learned speeds are saved, seconds' }),
  ETA_MAX_SILENCE_S: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'publish at least this often, seconds' }),
  ETA_MIN_INTERVAL_S: Type.Number({ minimum: 0, default: 5, description: 'at most one update per job per this, seconds' }),
});
export type ProcessorsConfig = Static<typeof ProcessorsConfigSchema>;

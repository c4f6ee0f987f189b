import { Type, type Static } from '@sinclair/typebox';
import { ID_PATTERN } from '@fieldtrace/protocol';

/** The edge agent in simulator mode. Property names are the environment variable names. */
export const SimulatorConfig = Type.Object({
  MQTT_URL: Type.String({ default: 'mqtt://127.0.0.1:1883', pattern: '^(mqtts?|wss?|tcp)://' }),
  /** 4 = MQTT 3.1.1 (the embedded aedes broker), 5 = MQTT 5 (Mosquitto, EMQX). */
  MQTT_PROTOCOL_VERSION: Type.Union([Type.Literal(4), Type.Literal(5)], { default: 4 }),
  /** core-api base URL; with API_KEY the simulator provisions its fleet there and receives the device secrets. */
  API_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  TENANT_ID: Type.String({ pattern: ID_PATTERN, default: 'demo' }),
  SIM_TRUCKS: Type.Integer({ minimum: 0, maximum: 5000, default: 50 }),
  SIM_DRONES: Type.Integer({ minimum: 0, maximum: 100, default: 1 }),
  SIM_JOBS_PER_TRUCK: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
  SIM_SEED: Type.Integer({ default: 42 }),
  /** Simulated seconds per real second. Event time then runs ahead of the wall clock. */
  SIM_SPEEDUP: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 1 }),
  FIX_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 1000 }),
  /** Chance per truck per simulated minute that its cellular link drops for 20–120 s. */
  SIM_GAP_PER_MIN: Type.Number({ minimum: 0, maximum: 1, default: 0.02 }),
  /** Unacknowledged QoS 1 messages per device; further messages wait in the device's buffer. */
  SIM_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 65535, default: 100 }),
  /** Store-and-forward buffer per device, messages; the oldest are dropped beyond it. */
  SIM_BUFFER_MAX: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 10_000 }),
  /** OpenStreetMap extract to drive on; defaults to the Monaco fixture beside the repository. */
  OSM_PBF: Type.Optional(Type.String({ minLength: 1 })),
  /** Centre of the synthetic street grid used when the extract is missing (default: Monaco). */
  SIM_CENTER_LAT: Type.Number({ minimum: -85, maximum: 85, default: 43.7384 }),
  SIM_CENTER_LON: Type.Number({ minimum: -180, maximum: 180, default: 7.4246 }),
  LOG_LEVEL: Type.Union(
    [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
    { default: 'info' },
  ),
});
export type SimulatorConfig = Static<typeof SimulatorConfig>;

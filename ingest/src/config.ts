import { Type, type Static } from '@sinclair/typebox';

export const IngestConfig = Type.Object({
  /** Embedded broker: MQTT over TCP. 0 picks a free port (tests). */
  MQTT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
  MQTT_HOST: Type.String({ default: '0.0.0.0' }),
  /** HTTP listener of the ingest service: MQTT over WebSocket at /mqtt, Prometheus text at /metrics. */
  INGEST_HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9001 }),
  /** When set, no embedded broker: subscribe to this external broker (Mosquitto, EMQX) with MQTT v5 shared subscriptions. */
  MQTT_URL: Type.Optional(Type.String({ pattern: '^(mqtts?|wss?|tcp)://' })),
  /** Shared-subscription group: every ingest process in the group gets a share of the uplink traffic. */
  INGEST_SHARE_GROUP: Type.String({ default: 'ingest', pattern: '^[A-Za-z0-9_-]+$' }),
  /** Stable client id so the broker keeps our session (and unacknowledged messages) across restarts. */
  INGEST_CLIENT_ID: Type.String({ default: 'ft-ingest-1' }),
  /**
   * How long the external broker keeps our session (and the messages it holds for us) while we are away, in
   * seconds. Note: brokers keep sending a shared-subscription member its share while it is offline, so a dead
   * ingest process holds back that share until it returns or this expires.
   */
  INGEST_SESSION_EXPIRY_S: Type.Integer({ minimum: 0, default: 3600 }),
  /** A batch is written when it reaches this many rows... */
  BATCH_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 50000, default: 5000 }),
  /** ...or when its first row has waited this long (ms). Bounds publish → stored latency at low rates. */
  BATCH_FLUSH_MS: Type.Integer({ minimum: 0, maximum: 5000, default: 10 }),
  /** Days of raw telemetry kept: TimescaleDB's retention policy, or daily partitions dropped by ingest. */
  RETENTION_DAYS: Type.Integer({ minimum: 1, maximum: 36500, default: 90 }),
  DATABASE_URL: Type.Optional(Type.String()),
  DATA_DIR: Type.Optional(Type.String()),
  LOG_LEVEL: Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], { default: 'info' }),
});
export type IngestConfig = Static<typeof IngestConfig>;

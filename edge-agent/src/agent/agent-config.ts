import { Type, type Static } from '@sinclair/typebox';
import { ID_PATTERN, MAX_FIXES_PER_MESSAGE } from '@fieldtrace/protocol';

const MiB = 1024 * 1024;

/** The edge agent on a real device. Property names are the environment variable names. */
export const AgentConfig = Type.Object({
  MQTT_URL: Type.String({ pattern: '^(mqtts?|wss?|tcp)://' }),
  /** 4 = MQTT 3.1.1 (the embedded aedes broker), 5 = MQTT 5 (Mosquitto, EMQX). */
  MQTT_PROTOCOL_VERSION: Type.Union([Type.Literal(4), Type.Literal(5)], { default: 4 }),
  TENANT_ID: Type.String({ pattern: ID_PATTERN }),
  DEVICE_ID: Type.String({ pattern: ID_PATTERN }),
  /** The device's MQTT password, issued at provisioning. */
  DEVICE_SECRET: Type.String({ minLength: 24 }),
  /** PEM files for mqtts:// — broker CA, and a client certificate/key when the broker wants mutual TLS. */
  MQTT_CA_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MQTT_CERT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MQTT_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  MQTT_REJECT_UNAUTHORIZED: Type.Boolean({ default: true }),
  MQTT_KEEPALIVE_S: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
  MQTT_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 65535, default: 200 }),
  RECONNECT_MIN_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
  RECONNECT_MAX_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
  /** Store-and-forward queue directory: must be on persistent storage (not tmpfs) to survive power cuts. */
  QUEUE_DIR: Type.String({ minLength: 1, default: '/var/lib/fieldtrace/queue' }),
  /** Bound on the queue on disk; beyond it the oldest records are evicted (counted, logged). 512 MiB ≈ 2.5 M fixes. */
  QUEUE_MAX_BYTES: Type.Integer({ minimum: 2 * MiB, default: 512 * MiB }),
  QUEUE_SEGMENT_BYTES: Type.Integer({ minimum: 64 * 1024, maximum: 256 * MiB, default: 4 * MiB }),
  /** always: a record counts as stored after fsync (survives power cuts); interval: fsync every FSYNC_INTERVAL_MS; never: OS decides. */
  FSYNC_POLICY: Type.Union([Type.Literal('always'), Type.Literal('interval'), Type.Literal('never')], { default: 'always' }),
  FSYNC_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
  /** live-first: current positions go out first and the backlog drains behind them; backlog-first: strictly in seq order. */
  DRAIN_ORDER: Type.Union([Type.Literal('live-first'), Type.Literal('backlog-first')], { default: 'live-first' }),
  /** Backlog records per second after an outage; 0 = as fast as the link acknowledges. */
  BACKLOG_RATE: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  /**
   * Consecutive fixes packed into one `fixes` message (one PUBACK for all): a day's backlog drains in hundreds of
   * round trips instead of tens of thousands. 1 = every fix its own `fix` message. Protocol MAX_FIXES_PER_MESSAGE.
   */
  BATCH_MAX_FIXES: Type.Integer({ minimum: 1, maximum: MAX_FIXES_PER_MESSAGE, default: 100 }),
  /** Hold a live fix up to this long (ms) for more to join its batch; 0 = live fixes go out at once. Backlog never waits. */
  BATCH_MAX_AGE_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  ADAPTIVE_FILTER: Type.Boolean({ default: true }),
  REPORT_DISTANCE_M: Type.Number({ minimum: 0, maximum: 100_000, default: 50 }),
  REPORT_HEADING_DEG: Type.Number({ minimum: 0, maximum: 180, default: 30 }),
  REPORT_INTERVAL_S: Type.Integer({ minimum: 1, maximum: 86_400, default: 30 }),
  REPORT_HEARTBEAT_S: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
  /** A DeviceStatus heartbeat (uptime, backlog, profile) every this many seconds; 0 = none. A profile's `status.intervalMs` overrides it. */
  STATUS_INTERVAL_S: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),
  /**
   * Follow the retained device profile on `ft/{tenant}/d/{device}/down/config` and apply it without a restart
   * (see agent/runtime-settings.ts for which settings apply live).
   */
  REMOTE_CONFIG: Type.Boolean({ default: true }),
  /** Profiles for another kind of device are refused. */
  DEVICE_KIND: Type.Union([Type.Literal('truck'), Type.Literal('ground-station'), Type.Literal('sensor')], { default: 'truck' }),
  /** Where the last applied profile is kept across reboots; default QUEUE_DIR/profile/device-profile.json. */
  PROFILE_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Register a DeviceStatus last will on the status topic. */
  LAST_WILL: Type.Boolean({ default: true }),
  FIRMWARE_VERSION: Type.Optional(Type.String({ maxLength: 64 })),
  LOG_LEVEL: Type.Union(
    [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
    { default: 'info' },
  ),
});
export type AgentConfig = Static<typeof AgentConfig>;

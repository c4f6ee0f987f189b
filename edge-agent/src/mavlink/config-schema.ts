import { Type, type Static } from '@sinclair/typebox';

// The schema alone, free of node-mavlink, so a device can read its settings without loading MAVLink's tables.
// 14550 is MAVLink's conventional ground-station UDP port (links.ts MAVLINK_UDP_PORT).
const DEFAULT_UDP_PORT = 14550;

/** MAVLink input settings for an agent's main.ts (`loadConfig(MavlinkConfig, process.env)`); names are env vars. */
export const MavlinkConfig = Type.Object({
  MAVLINK_LINK: Type.Union([Type.Literal('udp'), Type.Literal('serial'), Type.Literal('tlog'), Type.Literal('raw-file')], { default: 'udp' }),
  MAVLINK_UDP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: DEFAULT_UDP_PORT }),
  MAVLINK_BIND_ADDRESS: Type.String({ minLength: 1, default: '0.0.0.0' }),
  MAVLINK_SERIAL_PATH: Type.Optional(Type.String({ minLength: 1 })),
  MAVLINK_BAUD: Type.Integer({ minimum: 1200, maximum: 4_000_000, default: 57600 }),
  /** `.tlog` or raw capture to replay (MAVLINK_LINK=tlog|raw-file). */
  MAVLINK_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** 0 = as fast as possible, 1 = recorded speed. */
  MAVLINK_REPLAY_SPEED: Type.Number({ minimum: 0, maximum: 1000, default: 0 }),
  /** MAVLink 2 signing secret as 64 hex characters, or a passphrase hashed the way Mission Planner does. */
  MAVLINK_SIGNING_KEY: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
  MAVLINK_SIGNING_PASSPHRASE: Type.Optional(Type.String({ minLength: 1 })),
  MAVLINK_ALLOW_UNSIGNED: Type.Boolean({ default: false }),
  /** Follow this vehicle; default: the first vehicle heard. */
  MAVLINK_SYSTEM_ID: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  MAVLINK_GPS_FIXES: Type.Boolean({ default: true }),
  MAVLINK_DRONE_MIN_INTERVAL_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
});
export type MavlinkConfig = Static<typeof MavlinkConfig>;

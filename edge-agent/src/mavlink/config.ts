import { Type, type Static } from '@sinclair/typebox';
import { ConfigInvalid } from '@fieldtrace/service-kit';
import { GROUND_STATION_CAMERA } from '../sim/camera.js';
import { MAVLINK_UDP_PORT } from './links.js';
import type { MavlinkLink, MavlinkSourceConfig } from './mavlink-source.js';
import { signingKeyFromPassphrase } from './signing.js';

/** MAVLink input settings for an agent's main.ts (`loadConfig(MavlinkConfig, process.env)`); names are env vars. */
export const MavlinkConfig = Type.Object({
  MAVLINK_LINK: Type.Union([Type.Literal('udp'), Type.Literal('serial'), Type.Literal('tlog'), Type.Literal('raw-file')], { default: 'udp' }),
  MAVLINK_UDP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: MAVLINK_UDP_PORT }),
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

export function mavlinkSourceConfig(env: MavlinkConfig): MavlinkSourceConfig {
  const problems: string[] = [];
  const need = (value: string | undefined, name: string): string => {
    if (value === undefined) problems.push(`${name}: required when MAVLINK_LINK=${env.MAVLINK_LINK}`);
    return value ?? '';
  };
  let link: MavlinkLink;
  switch (env.MAVLINK_LINK) {
    case 'udp':
      link = { kind: 'udp', port: env.MAVLINK_UDP_PORT, bindAddress: env.MAVLINK_BIND_ADDRESS };
      break;
    case 'serial':
      link = { kind: 'serial', path: need(env.MAVLINK_SERIAL_PATH, 'MAVLINK_SERIAL_PATH'), baudRate: env.MAVLINK_BAUD };
      break;
    case 'tlog':
      link = { kind: 'tlog', path: need(env.MAVLINK_FILE, 'MAVLINK_FILE'), speed: env.MAVLINK_REPLAY_SPEED };
      break;
    case 'raw-file':
      link = { kind: 'raw-file', path: need(env.MAVLINK_FILE, 'MAVLINK_FILE') };
      break;
  }
  if (env.MAVLINK_SIGNING_KEY && env.MAVLINK_SIGNING_PASSPHRASE) {
    problems.push('MAVLINK_SIGNING_KEY and MAVLINK_SIGNING_PASSPHRASE: set one, not both');
  }
  if (problems.length > 0) throw ConfigInvalid([problems]);
  const signingKey = env.MAVLINK_SIGNING_KEY
    ? Buffer.from(env.MAVLINK_SIGNING_KEY, 'hex')
    : env.MAVLINK_SIGNING_PASSPHRASE
      ? signingKeyFromPassphrase(env.MAVLINK_SIGNING_PASSPHRASE)
      : undefined;
  return {
    link,
    signingKey,
    allowUnsigned: env.MAVLINK_ALLOW_UNSIGNED,
    systemId: env.MAVLINK_SYSTEM_ID,
    camera: { profile: GROUND_STATION_CAMERA.profile, widthPx: GROUND_STATION_CAMERA.widthPx, heightPx: GROUND_STATION_CAMERA.heightPx },
    gpsFixes: env.MAVLINK_GPS_FIXES,
    droneMinIntervalMs: env.MAVLINK_DRONE_MIN_INTERVAL_MS,
  };
}

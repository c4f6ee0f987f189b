import { ConfigInvalid } from '@fieldtrace/service-kit';
import { GROUND_STATION_CAMERA } from '../sim/camera.js';
import type { MavlinkLink, MavlinkSourceConfig } from './mavlink-source.js';
import { signingKeyFromPassphrase } from './signing.js';

export { MavlinkConfig } from './config-schema.js';
import type { MavlinkConfig } from './config-schema.js';


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

import { ardupilotmega, common, minimal, standard, MSG_ID_MAGIC_NUMBER, type MavLinkPacketRegistry } from 'node-mavlink';

/**
 * Message classes by id. `standard` is needed besides the usual three: in node-mavlink 2.3.0 some messages
 * ArduPilot sends (AUTOPILOT_VERSION, id 148) live only there. Later dialects win on a clash, as in ArduPilot's
 * own include order (ardupilotmega includes common includes standard includes minimal).
 */
export const MAVLINK_REGISTRY: MavLinkPacketRegistry = {
  ...minimal.REGISTRY,
  ...standard.REGISTRY,
  ...common.REGISTRY,
  ...ardupilotmega.REGISTRY,
};

/** CRC_EXTRA byte per message id: without it a frame's checksum cannot be verified. */
export function crcExtraFor(msgid: number): number | undefined {
  const magic = (MSG_ID_MAGIC_NUMBER as Record<string, number | undefined>)[msgid];
  return magic ?? undefined;
}

export function messageName(msgid: number): string {
  return MAVLINK_REGISTRY[msgid]?.MSG_NAME ?? `MSG_${msgid}`;
}

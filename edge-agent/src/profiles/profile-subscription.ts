import type { MqttClient } from 'mqtt';
import { downlinkTopic } from '@fieldtrace/protocol';
import { silentLogger, type Logger } from '@fieldtrace/service-kit';
import type { ApplyResult, ProfileManager } from './profile-manager.js';

export interface ProfileSubscription {
  readonly topic: string;
  close(): Promise<void>;
}

/**
 * Feeds the device's retained `ft/{tenant}/d/{device}/down/config` message into the profile manager. Retained means
 * the broker hands the current profile to the device on every (re)connect, so a device that was offline when the
 * profile changed picks it up as soon as it is back; mqtt.js re-subscribes after reconnects by itself.
 */
export async function subscribeProfileTopic(
  client: MqttClient,
  address: { tenantId: string; deviceId: string },
  manager: ProfileManager,
  deps: { logger?: Logger; onResult?: (result: ApplyResult) => void } = {},
): Promise<ProfileSubscription> {
  const logger = deps.logger ?? silentLogger;
  const topic = downlinkTopic(address.tenantId, address.deviceId, 'config');
  const onMessage = (received: string, payload: Buffer) => {
    if (received !== topic) return;
    const result = manager.apply(payload);
    if (result.outcome === 'rejected') logger.warn({ topic, reason: result.reason }, 'config message rejected');
    deps.onResult?.(result);
  };
  client.on('message', onMessage);
  try {
    await client.subscribeAsync(topic, { qos: 1 });
  } catch (err) {
    client.off('message', onMessage);
    throw err;
  }
  return {
    topic,
    async close() {
      client.off('message', onMessage);
      if (client.connected) await client.unsubscribeAsync(topic);
    },
  };
}

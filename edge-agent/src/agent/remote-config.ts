import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import { fileProfileStore, ProfileManager, subscribeProfileTopic, type ApplyResult } from '../profiles/index.js';
import type { AgentConfig } from './agent-config.js';

export interface RemoteConfig {
  readonly manager: ProfileManager;
  /** Follows the retained `down/config` topic on this client (every uplink connection gets one). */
  attach(client: MqttClient): void;
  stats(): Record<string, number>;
}

export function profileFilePath(config: AgentConfig): string {
  // A folder of its own: the queue deletes stray `.tmp` files in QUEUE_DIR, which the profile store writes.
  return config.PROFILE_FILE ?? join(config.QUEUE_DIR, 'profile', 'device-profile.json');
}

/**
 * The device profile, restored from disk at boot and then followed on the device's retained config topic. The
 * subscription shares the uplink's connection: one TLS session per truck on a metered link, and the ACL of every
 * supported broker lets the device's own identity read `ft/{tenant}/d/{device}/down/#`.
 */
export function createRemoteConfig(config: AgentConfig, deps: { logger: Logger; clock: Clock; onResult(result: ApplyResult): void }): RemoteConfig {
  const log = deps.logger;
  const manager = new ProfileManager({ deviceKind: config.DEVICE_KIND }, { logger: log, clock: deps.clock, store: fileProfileStore(profileFilePath(config)) });
  let subscribed = 0;
  let subscribeFailures = 0;
  return {
    manager,
    attach(client) {
      // Not awaited: before the first CONNACK mqtt.js queues the SUBSCRIBE; the uplink must not wait for it.
      subscribeProfileTopic(client, { tenantId: config.TENANT_ID, deviceId: config.DEVICE_ID }, manager, { logger: log, onResult: deps.onResult }).then(
        (subscription) => {
          subscribed++;
          log.debug({ topic: subscription.topic }, 'following the device profile topic');
        },
        (err: unknown) => {
          // Only when this connection ends before the broker answered; the next connection subscribes again.
          subscribeFailures++;
          log.debug({ err }, 'profile topic subscription did not complete');
        },
      );
    },
    stats: () => ({ ...manager.stats(), subscribed, subscribeFailures }),
  };
}

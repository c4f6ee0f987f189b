import { isDeepStrictEqual } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { DurableQueue } from '../queue/index.js';
import { createFixBatchFramer, createUplink, type Connect, type Uplink, type UplinkStats, type UplinkTls } from '../uplink/index.js';
import type { AgentConfig } from './agent-config.js';
import type { UplinkSettings } from './runtime-settings.js';

export interface UplinkSlot {
  start(settings: UplinkSettings): Promise<void>;
  /**
   * Replaces the uplink when `settings` differ from the running ones: the old one finishes its in-flight publishes
   * (bounded by the uplink's close grace), the new one resumes from the queue's ack cursor on a fresh connection.
   * Nothing stored is lost; a publish the old connection never saw acknowledged is sent again (ingest dedupes by seq).
   */
  reconfigure(settings: UplinkSettings): Promise<boolean>;
  close(): Promise<void>;
  stats(): UplinkStats | null;
  /** Uplinks started so far (1 + replacements). */
  readonly generations: number;
}

export interface UplinkSlotDeps {
  queue: DurableQueue;
  logger: Logger;
  clock: Clock;
  tls: UplinkTls | undefined;
  connect?: Connect;
  /** Every MQTT client the slot creates, before it connects: the remote-config subscription rides on it. */
  onClient?: (client: MqttClient) => void;
}

/** Owns the agent's one uplink; the drain order, backlog rate and batching are fixed per uplink, so a change swaps it. */
export function createUplinkSlot(config: AgentConfig, deps: UplinkSlotDeps): UplinkSlot {
  const log = deps.logger;
  const connect: Connect = (url, options) => {
    const client = (deps.connect ?? mqtt.connect)(url, options);
    deps.onClient?.(client);
    return client;
  };
  let current: Uplink | null = null;
  let running: UplinkSettings | null = null;
  let generations = 0;
  let closed = false;
  // Swaps and close run one at a time, in order.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };

  async function launch(settings: UplinkSettings): Promise<void> {
    const uplink = createUplink(
      {
        mqttUrl: config.MQTT_URL,
        tenantId: config.TENANT_ID,
        deviceId: config.DEVICE_ID,
        secret: config.DEVICE_SECRET,
        protocolVersion: config.MQTT_PROTOCOL_VERSION,
        ...(deps.tls ? { tls: deps.tls } : {}),
        maxInFlight: settings.maxInFlight,
        drainOrder: settings.drainOrder,
        backlogRatePerS: settings.backlogRatePerS,
        reconnectMinMs: settings.reconnectMinMs,
        reconnectMaxMs: settings.reconnectMaxMs,
        keepaliveS: config.MQTT_KEEPALIVE_S,
        lastWill: config.LAST_WILL ? (config.FIRMWARE_VERSION ? { firmware: config.FIRMWARE_VERSION } : {}) : null,
        framer: createFixBatchFramer({ maxFixes: settings.batchMaxFixes }),
        batchMaxAgeMs: settings.batchMaxAgeMs,
      },
      { queue: deps.queue, logger: log, clock: deps.clock, connect },
    );
    current = uplink;
    running = settings;
    generations++;
    await uplink.start();
  }

  return {
    start: (settings) => serial(() => launch(settings)),
    reconfigure(settings) {
      return serial(async () => {
        if (closed || !current || isDeepStrictEqual(settings, running)) return false;
        log.info({ from: running, to: settings }, 'uplink settings changed; reconnecting with them');
        await current.close();
        current = null;
        if (closed) return false;
        await launch(settings);
        return true;
      });
    },
    close() {
      closed = true;
      return serial(async () => {
        await current?.close();
      });
    },
    stats: () => current?.stats() ?? null,
    get generations() {
      return generations;
    },
  };
}

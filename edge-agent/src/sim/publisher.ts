import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { deviceUsername, uplinkTopic } from '@fieldtrace/protocol';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { UplinkEnvelope } from './outbox.js';

export interface PublisherOptions {
  mqttUrl: string;
  tenantId: string;
  deviceId: string;
  secret: string;
  /** 4 = MQTT 3.1.1 (the embedded aedes broker), 5 = MQTT 5. */
  protocolVersion: 4 | 5;
  /** Unacknowledged QoS 1 messages allowed at once; the rest wait in the device's outbox. */
  maxInFlight: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

export type PublisherState = 'connecting' | 'connected' | 'offline' | 'refused' | 'closed';

export interface DevicePublisher {
  readonly deviceId: string;
  readonly state: PublisherState;
  readonly inFlight: number;
  readonly counters: { published: number; acked: number; failed: number; connects: number };
  /** Messages that may be handed over now: 0 while not connected, refused, or at the in-flight cap. */
  capacity(): number;
  publish(envelope: UplinkEnvelope): void;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 2_000;

export type Connect = (url: string, options: IClientOptions) => MqttClient;

/** CONNACK codes meaning "these credentials will never work": retrying them would only hammer the broker. */
const CREDENTIALS_REFUSED = new Set([
  4, // MQTT 3.1.1 §3.2.2.3: bad user name or password
  5, // MQTT 3.1.1: not authorized
  134, // MQTT 5 §3.2.2.2: bad user name or password (0x86)
  135, // MQTT 5: not authorized (0x87)
]);

/**
 * One MQTT connection for one device, as a real agent has: clientId = username = `{tenant}/d/{device}`, password =
 * its secret, QoS 1. Reconnects with exponential backoff and jitter (so a broker restart is not met by every
 * device in the same millisecond); stops for good when the broker refuses the credentials.
 */
export function createDevicePublisher(
  options: PublisherOptions,
  deps: { logger: Logger; clock: Clock; connect?: Connect },
): DevicePublisher {
  const { logger, clock, connect = mqtt.connect } = deps;
  const username = deviceUsername(options.tenantId, options.deviceId);
  const log = logger.child({ deviceId: options.deviceId });
  const counters = { published: 0, acked: 0, failed: 0, connects: 0 };
  let state: PublisherState = 'connecting';
  let inFlight = 0;
  let attempt = 0;
  let offlineSince = 0;

  const client = connect(options.mqttUrl, {
    clientId: username,
    username,
    password: options.secret,
    protocolVersion: options.protocolVersion,
    clean: true,
    reconnectPeriod: options.reconnectMinMs,
    // Also retry "server unavailable" CONNACKs; refused credentials are stopped below instead.
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
  });

  // Runs before mqtt.js's own 'close' handler schedules the next attempt, so that attempt uses the new delay.
  client.prependListener('close', () => {
    if (state === 'refused' || state === 'closed') return;
    if (state === 'connected') {
      offlineSince = clock.now();
      log.warn({ inFlight }, 'device connection lost; reconnecting');
    }
    state = 'offline';
    attempt++;
    const ceiling = Math.min(options.reconnectMaxMs, options.reconnectMinMs * 2 ** Math.min(attempt - 1, 16));
    client.options.reconnectPeriod = Math.max(options.reconnectMinMs, Math.round(ceiling * (0.5 + Math.random() * 0.5)));
  });
  client.on('connect', () => {
    counters.connects++;
    if (counters.connects > 1) log.info({ attempts: attempt, offlineMs: clock.now() - offlineSince }, 'device reconnected');
    else log.debug('device connected');
    state = 'connected';
    attempt = 0;
  });
  client.on('error', (err: Error & { code?: unknown }) => {
    if (typeof err.code === 'number' && CREDENTIALS_REFUSED.has(err.code)) {
      state = 'refused';
      log.error(
        { username, code: err.code, mqttUrl: options.mqttUrl },
        'broker refused this device\'s credentials; the device is stopped (re-provision it to get a fresh secret)',
      );
      client.end(true);
      return;
    }
    // Refused TCP connections repeat on every attempt: warn when the broker was never reachable, otherwise the
    // 'connection lost' warning already said it.
    const fields = { err: err.message, code: err.code, mqttUrl: options.mqttUrl };
    if (counters.connects === 0 && attempt <= 1) log.warn(fields, 'device cannot reach the broker; retrying');
    else log.debug(fields, 'device connection error');
  });

  return {
    deviceId: options.deviceId,
    get state() {
      return state;
    },
    get inFlight() {
      return inFlight;
    },
    counters,
    capacity() {
      return state === 'connected' ? Math.max(0, options.maxInFlight - inFlight) : 0;
    },
    publish(envelope) {
      inFlight++;
      counters.published++;
      const topic = uplinkTopic(options.tenantId, options.deviceId, envelope.kind);
      client.publish(topic, JSON.stringify(envelope.message), { qos: 1 }, (err) => {
        inFlight--;
        if (err) {
          counters.failed++;
          if (state !== 'closed') log.warn({ err: err.message, topic }, 'publish failed');
        } else {
          counters.acked++;
        }
      });
    },
    async close() {
      if (state === 'closed') return;
      const wasConnected = state === 'connected';
      state = 'closed';
      if (!wasConnected) return client.endAsync(true);
      // Give in-flight messages a moment to be acknowledged, but never hang shutdown on a silent broker.
      let timer: NodeJS.Timeout | undefined;
      const graceful = client.endAsync(false);
      const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
      const outcome = await Promise.race([graceful, deadline]);
      clearTimeout(timer);
      // end() is a no-op once disconnecting, so a late close tears the socket down directly.
      if (outcome === 'late') client.stream.destroy();
    },
  };
}

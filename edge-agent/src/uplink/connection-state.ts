import type { MqttClient } from 'mqtt';
import type { Clock, Logger } from '@fieldtrace/service-kit';

export type UplinkState = 'idle' | 'connecting' | 'connected' | 'offline' | 'refused' | 'closed';

/** CONNACK codes meaning "these credentials will never work": retrying would only hammer the broker. */
const CREDENTIALS_REFUSED = new Set([
  4, // MQTT 3.1.1 §3.2.2.3: bad user name or password
  5, // MQTT 3.1.1: not authorized
  134, // MQTT 5 §3.2.2.2: bad user name or password (0x86)
  135, // MQTT 5: not authorized (0x87)
]);

export interface ConnectionStateMachine {
  readonly state: UplinkState;
  readonly connects: number;
  attach(client: MqttClient, onSession: () => void): void;
  /** Marks the connection closed; returns whether it was connected. */
  close(): boolean;
}

/**
 * Connection lifecycle: exponential backoff with jitter between reconnect attempts (a broker restart is not met by
 * every truck in the same millisecond), and a full stop when the broker refuses the device's credentials.
 */
export function createConnectionStateMachine(
  options: { mqttUrl: string; reconnectMinMs: number; reconnectMaxMs: number },
  log: Logger,
  clock: Clock,
): ConnectionStateMachine {
  let state: UplinkState = 'idle';
  let connects = 0;
  let attempt = 0;
  let offlineSince = clock.now();

  return {
    get state() {
      return state;
    },
    get connects() {
      return connects;
    },
    attach(client, onSession) {
      state = 'connecting';
      // Runs before mqtt.js's own 'close' handler schedules the next attempt, so that attempt uses the new delay.
      client.prependListener('close', () => {
        if (state === 'refused' || state === 'closed') return;
        if (state === 'connected') {
          offlineSince = clock.now();
          log.warn('uplink connection lost; buffering to the queue and reconnecting');
        }
        state = 'offline';
        attempt++;
        const ceiling = Math.min(options.reconnectMaxMs, options.reconnectMinMs * 2 ** Math.min(attempt - 1, 16));
        client.options.reconnectPeriod = Math.max(options.reconnectMinMs, Math.round(ceiling * (0.5 + Math.random() * 0.5)));
      });
      client.on('connect', (packet) => {
        connects++;
        log.info({ attempts: attempt, offlineMs: clock.now() - offlineSince, sessionPresent: packet.sessionPresent }, 'uplink connected');
        state = 'connected';
        attempt = 0;
        onSession();
      });
      client.on('error', (err: Error & { code?: unknown }) => {
        if (typeof err.code === 'number' && CREDENTIALS_REFUSED.has(err.code)) {
          state = 'refused';
          log.error({ code: err.code, mqttUrl: options.mqttUrl }, 'broker refused the device credentials; uplink stopped (records stay queued)');
          client.end(true);
          return;
        }
        const fields = { err: err.message, code: err.code, mqttUrl: options.mqttUrl };
        if (attempt <= 1) log.warn(fields, 'uplink cannot reach the broker; retrying with backoff');
        else log.debug(fields, 'uplink connection error');
      });
    },
    close() {
      const was = state === 'connected';
      state = 'closed';
      return was;
    },
  };
}

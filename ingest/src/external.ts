import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { ALL_UPLINK_FILTER, parseUplinkTopic, sharedFilter } from '@fieldtrace/protocol';
import type { Clock } from '@fieldtrace/service-kit';
import { handleUplink } from './uplink.js';
import type { StoreWriter } from './store-writer.js';

export interface ExternalSubscriber {
  client: MqttClient;
  close(): Promise<void>;
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * Ingest behind an external broker (Mosquitto, EMQX): an MQTT v5 shared subscription, so several ingest
 * processes split the uplink traffic, and a persistent session, so what we have not acknowledged is redelivered
 * after a crash.
 *
 * The PUBACK for each message is held back until the message is committed. MQTT.js handles incoming packets one
 * at a time and its `customHandleAcks` hook would stall the whole connection for each commit, so instead the
 * client's packet writer is wrapped: a PUBACK whose message is still waiting for the store is sent when the
 * store commits. The broker keeps those messages in flight meanwhile (Mosquitto: set max_inflight_messages 0).
 */
export async function createExternalSubscriber(deps: {
  url: string;
  clientId: string;
  group: string;
  sessionExpiryS: number;
  writer: StoreWriter;
  logger: Logger;
  clock: Clock;
}): Promise<ExternalSubscriber> {
  const { writer, logger, clock } = deps;
  const waiting = new Map<number, Promise<void>>();

  const client = await mqtt.connectAsync(deps.url, {
    protocolVersion: 5,
    clientId: deps.clientId,
    clean: false,
    properties: { sessionExpiryInterval: deps.sessionExpiryS, receiveMaximum: 65535 },
    reconnectPeriod: 1000,
    customHandleAcks(topic, message, packet, ack) {
      const address = parseUplinkTopic(topic);
      const id = packet.messageId;
      if (address && id !== undefined && packet.qos === 1) {
        waiting.set(id, new Promise<void>((resolve, reject) => {
          handleUplink(writer, address.tenantId, address.deviceId, address.kind, topic, message, clock.now(), (err) => (err ? reject(err) : resolve()));
        }));
      } else if (address) {
        handleUplink(writer, address.tenantId, address.deviceId, address.kind, topic, message, clock.now(), () => undefined);
      } else {
        writer.addDeadLetter({ tenantId: null, deviceId: null, topic, reason: 'acl', detail: 'not an uplink topic', payload: message }, () => undefined);
      }
      ack(0);
    },
  });

  const c = client as unknown as { _sendPacket: SendPacket; stream?: { destroy(): void } };
  const send = c._sendPacket.bind(client);
  c._sendPacket = (packet, cb, ...rest) => {
    const committed = packet.cmd === 'puback' && packet.messageId !== undefined ? waiting.get(packet.messageId) : undefined;
    if (!committed) return send(packet, cb, ...rest);
    waiting.delete(packet.messageId!);
    cb?.(); // let MQTT.js read the next packet now; the PUBACK itself goes out after the commit
    committed.then(
      () => send(packet, undefined, ...rest),
      (err: Error) => {
        // Not stored, so never acknowledged: drop the connection and let the broker redeliver from our session.
        logger.error({ err }, 'store refused a batch; reconnecting so the broker redelivers it');
        c.stream?.destroy();
      },
    );
  };

  client.on('error', (err) => logger.warn({ err }, 'external broker error'));
  client.on('reconnect', () => logger.info('reconnecting to external broker'));
  await client.subscribeAsync(sharedFilter(deps.group, ALL_UPLINK_FILTER), { qos: 1 });
  logger.info({ url: redact(deps.url), group: deps.group }, 'subscribed to external broker');

  return {
    client,
    async close() {
      await writer.drain();
      await client.endAsync();
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'invalid url';
  }
}

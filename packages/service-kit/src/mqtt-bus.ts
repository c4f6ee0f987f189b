import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import { topicMatches, type Bus, type BusHandler } from './bus.js';

/**
 * The bus over an external MQTT broker (MQTT v5, QoS 1). Used when services run as separate processes.
 * Messages are JSON; handlers receive parsed objects. A payload that is not JSON is logged and skipped.
 */
export async function createMqttBus(url: string, logger: Logger, opts: IClientOptions = {}): Promise<Bus> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    reconnectPeriod: 1000,
    clean: true,
    ...opts,
  });
  const subs: { filter: string; handler: BusHandler }[] = [];
  client.on('error', (err) => logger.warn({ err }, 'bus connection error'));
  client.on('message', (topic, payload) => {
    let message: unknown;
    try {
      message = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      logger.warn({ err, topic }, 'bus message is not JSON; skipped');
      return;
    }
    for (const s of subs) {
      if (!topicMatches(s.filter, topic)) continue;
      try {
        s.handler(topic, message);
      } catch (err) {
        logger.error({ err, topic }, 'bus subscriber threw');
      }
    }
  });
  return {
    publish(topic, message) {
      client.publish(topic, JSON.stringify(message), { qos: 1 }, (err) => {
        if (err) logger.warn({ err, topic }, 'bus publish failed');
      });
    },
    async subscribe(filter, handler) {
      const sub = { filter, handler };
      subs.push(sub);
      await client.subscribeAsync(filter, { qos: 1 });
      return async () => {
        subs.splice(subs.indexOf(sub), 1);
        if (!subs.some((s) => s.filter === filter)) await client.unsubscribeAsync(filter);
      };
    },
    async close() {
      await client.endAsync();
    },
  };
}

import mqtt, { type MqttClient } from 'mqtt';
import { deviceUsername, uplinkTopic, type UplinkKind } from '@fieldtrace/protocol';

/** Connects as a provisioned device the way an edge agent does (QoS 1 publisher, MQTT 3.1.1). */
export function connectDevice(url: string, tenantId: string, deviceId: string, secret: string): Promise<MqttClient> {
  const username = deviceUsername(tenantId, deviceId);
  return mqtt.connectAsync(url, { clientId: username, username, password: secret, protocolVersion: 4, reconnectPeriod: 0 });
}

export function publishUplink(client: MqttClient, tenantId: string, deviceId: string, kind: UplinkKind, payload: unknown): Promise<unknown> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return client.publishAsync(uplinkTopic(tenantId, deviceId, kind), body, { qos: 1 });
}

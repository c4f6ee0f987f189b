import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { GpsFix } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import { createDevicePublisher, type PublisherOptions } from './publisher.js';

/** Just enough of mqtt.js's client to drive the publisher's state machine without a broker. */
class FakeClient extends EventEmitter {
  options: IClientOptions;
  published: { topic: string; payload: string; qos: number; ack: (err?: Error) => void }[] = [];
  ended = false;
  constructor(options: IClientOptions) {
    super();
    this.options = { ...options };
  }
  publish(topic: string, payload: string, opts: { qos: number }, cb: (err?: Error) => void) {
    this.published.push({ topic, payload, qos: opts.qos, ack: cb });
    return this;
  }
  end() {
    this.ended = true;
    return this;
  }
  async endAsync() {
    this.ended = true;
  }
}

const options: PublisherOptions = {
  mqttUrl: 'mqtt://broker.test:1883',
  tenantId: 'demo',
  deviceId: 'dev-truck-01',
  secret: 'a-long-device-secret-123',
  protocolVersion: 4,
  maxInFlight: 3,
  reconnectMinMs: 1000,
  reconnectMaxMs: 8000,
};
const fix: GpsFix = { v: 1, seq: 7, ts: 1_800_000_000_000, lat: 43.7, lon: 7.4, fix: '3d' };

function setup() {
  let client: FakeClient | undefined;
  let connectedTo: { url: string; options: IClientOptions } | undefined;
  const errors: unknown[] = [];
  const logger = silentLogger.child({});
  Object.assign(logger, { child: () => logger });
  logger.error = ((obj: unknown) => void errors.push(obj)) as typeof logger.error;
  const publisher = createDevicePublisher(options, {
    logger,
    clock: { now: () => 0 },
    connect: (url, opts) => {
      connectedTo = { url, options: opts };
      client = new FakeClient(opts);
      return client as unknown as MqttClient;
    },
  });
  return { publisher, client: client!, connectedTo: connectedTo!, errors };
}

test('a device connects as itself and publishes JSON at QoS 1 to its uplink topic', () => {
  const { publisher, client, connectedTo } = setup();
  assert.equal(connectedTo.url, 'mqtt://broker.test:1883');
  assert.equal(connectedTo.options.clientId, 'demo/d/dev-truck-01');
  assert.equal(connectedTo.options.username, 'demo/d/dev-truck-01');
  assert.equal(connectedTo.options.password, 'a-long-device-secret-123');
  assert.equal(connectedTo.options.protocolVersion, 4);
  assert.equal(publisher.capacity(), 0, 'nothing is handed over before the connection is up');
  client.emit('connect');
  publisher.publish({ kind: 'fix', message: fix });
  assert.equal(client.published[0]!.topic, 'ft/demo/d/dev-truck-01/up/fix');
  assert.equal(client.published[0]!.qos, 1);
  assert.deepEqual(JSON.parse(client.published[0]!.payload), fix);
});

test('unacknowledged messages are capped; acknowledgements make room again', () => {
  const { publisher, client } = setup();
  client.emit('connect');
  assert.equal(publisher.capacity(), 3);
  for (let i = 0; i < 3; i++) publisher.publish({ kind: 'fix', message: { ...fix, seq: i } });
  assert.equal(publisher.capacity(), 0);
  client.published[0]!.ack();
  assert.equal(publisher.capacity(), 1);
  client.published[1]!.ack(new Error('connection closed'));
  assert.deepEqual(publisher.counters, { published: 3, acked: 1, failed: 1, connects: 1 });
});

test('reconnects back off exponentially up to the ceiling and reset after a connection', () => {
  const { publisher, client } = setup();
  client.emit('connect');
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    client.emit('close');
    delays.push(client.options.reconnectPeriod!);
  }
  assert.equal(publisher.state, 'offline');
  assert.equal(publisher.capacity(), 0);
  assert.ok(delays.every((d) => d >= 1000 && d <= 8000), delays.join(','));
  assert.ok(delays[5]! >= 4000, `after six failures the delay is near the ceiling, got ${delays[5]}`);
  client.emit('connect');
  client.emit('close');
  assert.ok(client.options.reconnectPeriod! <= 1000, 'a successful connection resets the backoff');
});

test('refused credentials stop the device instead of retrying, with one clear error', () => {
  const { publisher, client, errors } = setup();
  client.emit('error', Object.assign(new Error('Connection refused: Not authorized'), { code: 5 }));
  client.emit('close');
  assert.equal(publisher.state, 'refused');
  assert.equal(client.ended, true);
  assert.equal(publisher.capacity(), 0);
  assert.equal(errors.length, 1);
});

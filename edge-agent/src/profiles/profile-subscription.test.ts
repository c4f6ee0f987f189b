import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { downlinkTopic } from '@fieldtrace/protocol';
import { waitFor } from '@fieldtrace/testkit';
import { ProfileManager, type ApplyResult, type ProfileChange } from './profile-manager.js';
import { subscribeProfileTopic } from './profile-subscription.js';
import { shippedProfile } from './profile-fixtures.js';

const TENANT = 'acme';
const DEVICE = 'dev-truck-07';
const TOPIC = downlinkTopic(TENANT, DEVICE, 'config');

test('a device applies the retained profile on connect, rejects a broken update and keeps the last good one', async (t) => {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const platform = await mqtt.connectAsync(url, { clientId: 'platform', reconnectPeriod: 0 });
  let device: mqtt.MqttClient | null = null;
  t.after(async () => {
    await device?.endAsync(true);
    await platform.endAsync(true);
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // The platform publishes before the device is online: the broker keeps it (retained) and delivers it on subscribe.
  const v2 = shippedProfile('truck-default');
  await platform.publishAsync(TOPIC, JSON.stringify(v2), { qos: 1, retain: true });

  const manager = new ProfileManager({ deviceKind: 'truck' });
  const changes: ProfileChange[] = [];
  const results: ApplyResult[] = [];
  manager.onChange((c) => changes.push(c));
  device = await mqtt.connectAsync(url, { clientId: DEVICE, reconnectPeriod: 0 });
  const subscription = await subscribeProfileTopic(device, { tenantId: TENANT, deviceId: DEVICE }, manager, { onResult: (r) => results.push(r) });
  assert.equal(subscription.topic, 'ft/acme/d/dev-truck-07/down/config');
  await waitFor('the retained profile applied', () => manager.current()?.version === 2);
  assert.equal(changes.length, 1);

  const broken = { ...v2, version: 3, queue: { ...v2.queue, drainOrder: 'random' } };
  await platform.publishAsync(TOPIC, JSON.stringify(broken), { qos: 1, retain: true });
  await waitFor('the broken profile rejected', () => results.length === 2);
  const rejected = results[1]!;
  assert.ok(rejected.outcome === 'rejected' && rejected.reason === 'invalid');
  assert.match(rejected.problems.join('\n'), /\/queue\/drainOrder: expected one of "oldest-first", "newest-first", got "random"/);
  assert.equal(manager.current()?.version, 2, 'last good profile kept');
  assert.equal(manager.status().lastRejection?.version, '3');
  assert.equal(changes.length, 1);

  const v4 = { ...v2, version: 4, gps: { ...v2.gps!, fixIntervalMs: 2000 } };
  await platform.publishAsync(TOPIC, JSON.stringify(v4), { qos: 1, retain: true });
  await waitFor('the fixed profile applied', () => manager.current()?.version === 4);
  assert.deepEqual([...changes[1]!.changed], ['gps', 'version']);
  assert.equal(changes[1]!.previous?.version, 2);

  // Another device's config is none of this device's business even if it were delivered.
  await platform.publishAsync(downlinkTopic(TENANT, 'dev-truck-08', 'config'), JSON.stringify({ ...v2, version: 9 }), { qos: 1, retain: true });
  await subscription.close();
  await platform.publishAsync(TOPIC, JSON.stringify({ ...v2, version: 5 }), { qos: 1, retain: true });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(manager.current()?.version, 4, 'no longer listening after close');
});

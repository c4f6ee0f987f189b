import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateUplink, type DeviceStatus } from '@fieldtrace/protocol';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { newSecret, waitFor } from '@fieldtrace/testkit';
import type { DeviceProfile } from '../profiles/index.js';
import { shippedProfile } from '../profiles/profile-fixtures.js';
import { openQueue } from '../queue/index.js';
import type { Reading } from '../sources/source.js';
import { AgentConfig } from './agent-config.js';
import { buildAgent, type Agent } from './build-agent.js';
import { startAclBroker } from './test-support/acl-broker.js';
import { manualSource } from './test-support/manual-source.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T0 = 1_763_726_400_000;
const TENANT = 'acme';
const DEVICE = 'truck-7';
const parked = (s: number): Reading => ({ kind: 'fix', body: { ts: T0 + s * 1000, lat: 43.7, lon: 7.42, speed: 0, fix: '3d' } });
const moving = (i: number): Reading => ({ kind: 'fix', body: { ts: T0 + i * 1000, lat: 43.7, lon: 7.42 + i * 0.001, speed: 12, heading: 90, fix: '3d' } });

function truckProfile(version: number, edit: (p: DeviceProfile) => void = () => undefined): string {
  const p = shippedProfile('truck-default');
  p.version = version;
  edit(p);
  return JSON.stringify(p);
}

const tempDir = () => mkdtemp(join(tmpdir(), 'ft-remote-config-'));

function startAgent(env: Record<string, string>, source: ReturnType<typeof manualSource>): Agent {
  return buildAgent(loadConfig(AgentConfig, { TENANT_ID: TENANT, DEVICE_ID: DEVICE, DEVICE_SECRET: newSecret(), LOG_LEVEL: 'silent', ...env }), {
    logger: silentLogger,
    clock: systemClock,
    sources: [source],
  });
}

function assertValidStatuses(statuses: readonly unknown[]): void {
  for (const status of statuses) {
    const checked = validateUplink('status', status);
    assert.ok(checked.ok, checked.ok ? '' : `${checked.detail}: ${JSON.stringify(status)}`);
    assert.equal(typeof (status as DeviceStatus).backlog, 'number');
  }
}

test('a profile pushed at run time changes the reporting thresholds on the wire; a broken one is refused, reported, and the last good one keeps running', async (t) => {
  const broker = await startAclBroker();
  const dir = await tempDir();
  const env = { MQTT_URL: broker.url, QUEUE_DIR: dir, REPORT_HEARTBEAT_S: '300', STATUS_INTERVAL_S: '0' };
  const source = manualSource();
  let agent = startAgent(env, source);
  t.after(async () => {
    await agent.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  await agent.start();
  await waitFor('connected', () => agent.stats().uplink?.state === 'connected');
  const wireSeconds = () => broker.fixes.map((f) => (f.ts - T0) / 1000);
  const pushParked = (from: number, to: number) => {
    for (let s = from; s < to; s++) source.push(parked(s));
  };

  pushParked(0, 10);
  await waitFor('the first fix', () => broker.fixes.length >= 1);
  await sleep(300);
  assert.deepEqual(wireSeconds(), [0], 'environment: a parked truck reports once per 300 s');

  await broker.publishConfig(TENANT, DEVICE, truckProfile(2, (p) => (p.gps!.adaptive!.stationaryHeartbeatS = 1)));
  const applied = await waitFor('a status naming the applied profile', () => broker.statuses.find((s) => s.profile === 'truck-default@2'));
  assert.equal(applied.profileRejected, undefined);
  pushParked(10, 20);
  await waitFor('a heartbeat every second', () => broker.fixes.length >= 11);
  await sleep(200);
  assert.deepEqual(wireSeconds(), [0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'the new threshold counts from the last fix sent (s=0)');

  const broken = truckProfile(3, (p) => {
    p.gps!.adaptive!.stationaryHeartbeatS = 300;
    (p.queue as { drainOrder: string }).drainOrder = 'random';
  });
  await broker.publishConfig(TENANT, DEVICE, broken);
  const refused = await waitFor('a status reporting the refusal', () => broker.statuses.find((s) => s.profileRejected !== undefined));
  assert.equal(refused.profile, 'truck-default@2', 'the last good profile is still in force');
  assert.match(refused.profileRejected!, /^invalid v3: \/queue\/drainOrder: expected one of "oldest-first", "newest-first", got "random"/);
  pushParked(20, 25);
  await waitFor('heartbeats continue every second', () => broker.fixes.length >= 16);
  assert.deepEqual(wireSeconds().slice(11), [20, 21, 22, 23, 24]);

  await broker.publishConfig(TENANT, DEVICE, truckProfile(4));
  const fixed = await waitFor('a status naming the fixed profile', () => broker.statuses.find((s) => s.profile === 'truck-default@4'));
  assert.equal(fixed.profileRejected, undefined, 'a later good profile clears the refusal');
  pushParked(25, 60);
  await sleep(300);
  assert.equal(broker.fixes.length, 16, 'back to a 300 s heartbeat, counted from s=24');

  assert.equal(broker.statuses.length, 3, 'one status per applied or refused profile; the re-delivered retained copy is not news');
  assertValidStatuses(broker.statuses);
  assert.deepEqual(broker.invalid, []);
  assert.deepEqual(broker.refusedSubscriptions, [], 'the agent subscribes only inside its own downlink');
  assert.equal(agent.stats().profile['rejected'], 1);

  // Offline reboot: the saved profile is in force before any broker is reachable.
  await agent.close();
  agent = startAgent({ ...env, MQTT_URL: 'mqtt://127.0.0.1:1' }, manualSource());
  await agent.start();
  assert.equal(agent.profile(), 'truck-default@4');
  assert.equal(agent.settings().filter?.stationaryHeartbeatMs, 300_000);
  assert.equal(agent.settings().uplink.drainOrder, 'backlog-first', "the profile's oldest-first");
});

test('drain order, backlog rate, batching and the status period change without restarting the agent', async (t) => {
  const broker = await startAclBroker();
  const dir = await tempDir();
  const source = manualSource();
  const agent = startAgent({ MQTT_URL: broker.url, QUEUE_DIR: dir, ADAPTIVE_FILTER: 'false', STATUS_INTERVAL_S: '0', LAST_WILL: 'false' }, source);
  t.after(async () => {
    await agent.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  await agent.start();
  await waitFor('connected', () => agent.stats().uplink?.state === 'connected');
  for (let i = 0; i < 3; i++) {
    source.push(moving(i));
    await sleep(40);
  }
  await waitFor('three fixes', () => broker.fixes.length >= 3);
  assert.deepEqual(broker.messages.map((m) => m.kind), ['fix', 'fix', 'fix'], 'BATCH_MAX_AGE_MS=0: live fixes go out alone');

  await broker.publishConfig(
    TENANT,
    DEVICE,
    truckProfile(5, (p) => {
      p.uplink.batchMaxFixes = 50;
      p.uplink.batchMaxAgeMs = 500;
      p.uplink.maxInFlight = 20;
      p.queue.backlogRatePerS = 500;
      p.queue.drainOrder = 'oldest-first';
    }),
  );
  await waitFor('a status naming the profile', () => broker.statuses.find((s) => s.profile === 'truck-default@5'));
  assert.deepEqual(agent.settings().uplink, {
    drainOrder: 'backlog-first',
    backlogRatePerS: 500,
    batchMaxFixes: 50,
    batchMaxAgeMs: 500,
    maxInFlight: 20,
    reconnectMinMs: 1000,
    reconnectMaxMs: 30_000,
  });
  assert.equal(agent.stats().uplinkGenerations, 2, 'the uplink was replaced, the agent kept running');
  const before = broker.messages.length;
  for (let i = 3; i < 8; i++) {
    source.push(moving(i));
    await sleep(40);
  }
  await waitFor('five more fixes', () => broker.fixes.length >= 8);
  assert.deepEqual(broker.messages.slice(before).map((m) => [m.kind, m.seqs.length]), [['fixes', 5]], 'live fixes now wait up to 500 ms to share a message');

  await broker.publishConfig(TENANT, DEVICE, truckProfile(6, (p) => {
    Object.assign(p.uplink, { batchMaxFixes: 50, batchMaxAgeMs: 500, maxInFlight: 20 });
    Object.assign(p.queue, { backlogRatePerS: 500, drainOrder: 'oldest-first' });
    p.status.intervalMs = 1000;
  }));
  await waitFor('three statuses for v6 (one at apply, then every second)', () => broker.statuses.filter((s) => s.profile === 'truck-default@6').length >= 3, 5000);
  const times = broker.messages.filter((m) => m.kind === 'status').slice(-2).map((m) => m.at);
  assert.ok(times[1]! - times[0]! > 700 && times[1]! - times[0]! < 1600, `heartbeats ${times[1]! - times[0]!} ms apart`);
  assert.equal(agent.stats().uplinkGenerations, 2, 'a new status period alone does not reconnect');

  const seqs = broker.fixes.map((f) => f.seq);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'every fix once, in order, across the uplink swap');
  assertValidStatuses(broker.statuses);
  assert.deepEqual(broker.invalid, []);
});

test('the status heartbeat goes through the durable queue and counts the records not yet acknowledged', async (t) => {
  const dir = await tempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const source = manualSource();
  const agent = startAgent(
    { MQTT_URL: 'mqtt://127.0.0.1:1', QUEUE_DIR: dir, ADAPTIVE_FILTER: 'false', STATUS_INTERVAL_S: '1', LAST_WILL: 'false', FIRMWARE_VERSION: 'ft-edge-1.4.0' },
    source,
  );
  await agent.start();
  for (let i = 0; i < 5; i++) source.push(moving(i));
  await waitFor('two heartbeats', () => agent.stats().statusSent >= 2, 5000);
  await agent.close();

  const queue = await openQueue({ dir }, { logger: silentLogger });
  const records = (await queue.read(0, 100)).records;
  await queue.close();
  const statuses = records.filter((r) => r.kind === 'status').map((r) => JSON.parse(r.body) as DeviceStatus);
  assert.ok(statuses.length >= 2);
  assertValidStatuses(statuses);
  const [first, second] = statuses as [DeviceStatus, DeviceStatus];
  assert.equal(first.backlog, 5, 'the five fixes the broker never acknowledged');
  assert.equal(second.backlog, 6, '…and the first status');
  assert.equal(first.firmware, 'ft-edge-1.4.0');
  assert.ok(first.uptimeS! >= 1 && second.uptimeS! > first.uptimeS!, `uptime ${first.uptimeS} then ${second.uptimeS}`);
  assert.equal(first.profile, undefined, 'no profile applied yet');
  assert.deepEqual(records.slice(0, 5).map((r) => r.kind), ['fix', 'fix', 'fix', 'fix', 'fix']);
});

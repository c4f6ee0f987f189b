import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateUplink } from '@fieldtrace/protocol';
import { FieldtraceError, loadConfig, silentLogger } from '@fieldtrace/service-kit';
import { SimulatorConfig } from './config.js';
import { syntheticGrid } from './osm/synthetic-grid.js';
import type { UplinkEnvelope } from './sim/outbox.js';
import type { DevicePublisher, PublisherState } from './sim/publisher.js';
import { buildSimulator } from './simulator.js';
import { T0 } from './test-support.js';

const graph = syntheticGrid({ centerLat: 43.7384, centerLon: 7.4246 });

function fakePublisher(deviceId: string, state: PublisherState = 'connected') {
  const sent: UplinkEnvelope[] = [];
  const publisher: DevicePublisher = {
    deviceId,
    state,
    inFlight: 0,
    counters: { published: 0, acked: 0, failed: 0, connects: 1 },
    capacity: () => (state === 'connected' ? 100 : 0),
    publish(envelope) {
      sent.push(envelope);
      this.counters.published++;
      this.counters.acked++;
    },
    close: async () => {},
  };
  return { publisher, sent };
}

function setup(env: Record<string, string>, refused: string[] = []) {
  let now = T0;
  const config = loadConfig(SimulatorConfig, { SIM_TRUCKS: '4', SIM_SPEEDUP: '10', SIM_GAP_PER_MIN: '0', ...env });
  const sent = new Map<string, UplinkEnvelope[]>();
  const simulator = buildSimulator(config, {
    logger: silentLogger,
    clock: { now: () => now },
    graph,
    autoTick: false,
    credentials: ['dev-truck-01', 'dev-truck-02', 'dev-truck-03', 'dev-truck-04', 'dev-gs-01'].map((deviceId) => ({ deviceId, secret: `secret-${deviceId}` })),
    createPublisher: ({ deviceId }) => {
      const fake = fakePublisher(deviceId, refused.includes(deviceId) ? 'refused' : 'connected');
      sent.set(deviceId, fake.sent);
      return fake.publisher;
    },
  });
  const runFor = (realMs: number) => {
    for (let t = 0; t < realMs; t += 200) {
      now += 200;
      simulator.tick();
    }
  };
  return { simulator, sent, runFor };
}

test('one shared tick advances every device at SIM_SPEEDUP and publishes valid, ordered messages per device', async () => {
  const { simulator, sent, runFor } = setup({});
  await simulator.start();
  runFor(30_000);
  const stats = simulator.stats();
  assert.equal(stats.simTime, T0 + 300_000, '30 s of real time at 10× is 5 simulated minutes');
  assert.equal(stats.devices, 5);
  assert.equal(stats.connectedDevices, 5);
  assert.ok(stats.fixesEmitted >= 4 * 299 && stats.fixesEmitted <= 4 * 300, `fixes ${stats.fixesEmitted}`);
  assert.equal(stats.buffered, 0);

  let total = 0;
  for (const [deviceId, messages] of sent) {
    assert.ok(messages.length > 0, `${deviceId} published nothing`);
    total += messages.length;
    for (let i = 0; i < messages.length; i++) {
      const e = messages[i]!;
      assert.ok(validateUplink(e.kind, e.message).ok, `${deviceId} ${e.kind} invalid`);
      if (i > 0) assert.ok(e.message.seq > messages[i - 1]!.message.seq);
      assert.ok(e.message.ts <= stats.simTime);
    }
    assert.ok(messages[0]!.message.seq >= T0, 'seq starts at the start time so a restart never reuses one');
  }
  assert.equal(stats.messagesPublished, total);
  assert.ok(sent.get('dev-gs-01')!.some((e) => e.kind === 'drone'));
  assert.deepEqual(simulator.fleet()!.vehicles.map((v) => v.id), ['truck-01', 'truck-02', 'truck-03', 'truck-04']);
  await simulator.close();
});

test('a device whose credentials were refused stays stopped while the others run', async () => {
  const { simulator, sent, runFor } = setup({}, ['dev-truck-02']);
  await simulator.start();
  runFor(5_000);
  assert.equal(sent.get('dev-truck-02')!.length, 0);
  assert.ok(sent.get('dev-truck-01')!.length > 0);
  assert.equal(simulator.stats().refusedDevices, 1);
  await simulator.close();
});

test('without API_URL/API_KEY or given credentials the simulator refuses to start and says how to fix it', async () => {
  const config = loadConfig(SimulatorConfig, { SIM_TRUCKS: '1' });
  const simulator = buildSimulator(config, { logger: silentLogger, clock: { now: () => T0 }, graph, autoTick: false });
  await assert.rejects(simulator.start(), (err: unknown) => err instanceof FieldtraceError && err.code === 'FT_SIM_NO_CREDENTIALS' && /API_URL/.test(err.message));
});

test('configuration comes from environment variables with documented defaults', () => {
  const config = loadConfig(SimulatorConfig, {});
  assert.equal(config.MQTT_URL, 'mqtt://127.0.0.1:1883');
  assert.equal(config.TENANT_ID, 'demo');
  assert.equal(config.SIM_TRUCKS, 50);
  assert.equal(config.SIM_DRONES, 1);
  assert.equal(config.SIM_SEED, 42);
  assert.equal(config.SIM_SPEEDUP, 1);
  assert.equal(config.FIX_INTERVAL_MS, 1000);
  assert.equal(config.SIM_GAP_PER_MIN, 0.02);
  assert.equal(config.MQTT_PROTOCOL_VERSION, 4);
  assert.equal(config.OSM_PBF, undefined);
  assert.equal(loadConfig(SimulatorConfig, { MQTT_PROTOCOL_VERSION: '5' }).MQTT_PROTOCOL_VERSION, 5);
  assert.throws(() => loadConfig(SimulatorConfig, { SIM_TRUCKS: 'many', TENANT_ID: 'a/b' }), /SIM_TRUCKS[\s\S]*TENANT_ID|TENANT_ID[\s\S]*SIM_TRUCKS/);
});

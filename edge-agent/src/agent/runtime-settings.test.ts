import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon } from '@fieldtrace/protocol';
import { loadConfig } from '@fieldtrace/service-kit';
import { shippedProfile } from '../profiles/profile-fixtures.js';
import { AgentConfig } from './agent-config.js';
import { ReportingFilter } from './reporting-filter.js';
import { configSettings, deferredSettings, profileSettings } from './runtime-settings.js';

const env = loadConfig(AgentConfig, { MQTT_URL: 'mqtt://x', TENANT_ID: 'acme', DEVICE_ID: 'truck-1', DEVICE_SECRET: 'settings-test-secret-0123456789', QUEUE_MAX_BYTES: String(64 * 1024 * 1024) });

test("the shipped truck profile over the environment's settings", () => {
  const base = configSettings(env);
  const s = profileSettings(base, shippedProfile('truck-default'));
  assert.deepEqual(s.filter, { minDistanceM: 25, minHeadingDeg: 15, maxIntervalMs: 10_000, stationaryHeartbeatMs: 300_000, stationarySpeedMs: 0.5 });
  assert.equal(s.statusIntervalMs, 60_000);
  assert.deepEqual(s.uplink, { drainOrder: 'backlog-first', backlogRatePerS: 200, batchMaxFixes: 100, batchMaxAgeMs: 0, maxInFlight: 100, reconnectMinMs: 1000, reconnectMaxMs: 30_000 });
  assert.deepEqual(s.queue, { maxBytes: 268_435_456, segmentBytes: 4 * 1024 * 1024, fsync: 'always', fsyncIntervalMs: 1000 });
  const tiny = shippedProfile('ground-station-default');
  tiny.queue.maxBytes = 1024 * 1024;
  const gs = profileSettings(base, tiny);
  assert.deepEqual(gs.queue, { maxBytes: 1024 * 1024, segmentBytes: 512 * 1024, fsync: 'interval', fsyncIntervalMs: 500 }, 'segments shrink to fit a small bound');
  assert.deepEqual(gs.filter, base.filter, 'no gps.adaptive: the environment thresholds stay');
  assert.equal(profileSettings(base, null), base);
});

test('settings that do not apply while running are named; live ones are not', () => {
  const base = configSettings(env);
  const v2 = shippedProfile('truck-default');
  const opened = profileSettings(base, v2).queue;
  const v3 = shippedProfile('truck-default');
  v3.version = 3;
  v3.gps!.adaptive!.distanceM = 5;
  v3.queue.drainOrder = 'newest-first';
  assert.deepEqual(deferredSettings(v2, v3, opened, base), { nextStart: [], notApplied: [] });
  v3.gps!.source = { type: 'gpsd' };
  v3.queue.fsync = { policy: 'os' };
  v3.sensors = [];
  assert.deepEqual(deferredSettings(v2, v3, opened, base), { nextStart: ['queue.fsync'], notApplied: ['gps.source', 'sensors'] });
  const first = deferredSettings(null, v2, configSettings(env).queue, base);
  assert.deepEqual(first.nextStart, ['queue.maxBytes'], 'fsync every-record is what the queue already does');
  assert.ok(first.notApplied.includes('gps.source'));
});

test('new thresholds are measured from the last fix sent: no extra fix, heartbeat clock kept', () => {
  const T0 = 1_763_726_400_000;
  const filter = new ReportingFilter({ minDistanceM: 50, minHeadingDeg: 30, maxIntervalMs: 30_000, stationaryHeartbeatMs: 300_000, stationarySpeedMs: 1 });
  const parked = (s: number) => ({ ts: T0 + s * 1000, lat: 43.7, lon: 7.42, speed: 0, fix: '3d' });
  assert.equal(filter.accept(parked(0)), true);
  assert.equal(filter.accept(parked(5)), false);
  assert.equal(filter.reconfigure({ minDistanceM: 50, minHeadingDeg: 30, maxIntervalMs: 30_000, stationaryHeartbeatMs: 10_000, stationarySpeedMs: 1 }), true);
  assert.equal(filter.accept(parked(9)), false, 'not a new "first" fix');
  assert.equal(filter.accept(parked(10)), true, '10 s after the fix sent before the change');
  const [lat, lon] = offsetLatLon(43.7, 7.42, 90, 20);
  assert.equal(filter.accept({ ...parked(11), lat, lon }), false);
  assert.equal(filter.reconfigure({ minDistanceM: 10, minHeadingDeg: 30, maxIntervalMs: 30_000, stationaryHeartbeatMs: 10_000, stationarySpeedMs: 1 }), true);
  assert.equal(filter.accept({ ...parked(12), lat, lon }), true, '20 m from the last sent fix now counts');
  assert.equal(filter.reconfigure(null), true);
  assert.equal(filter.accept(parked(12)), true, 'filtering off: every fix');
  assert.deepEqual(filter.counts, { first: 1, distance: 1, heading: 0, interval: 0, heartbeat: 1, quality: 0, dropped: 3, unfiltered: 1 });
});

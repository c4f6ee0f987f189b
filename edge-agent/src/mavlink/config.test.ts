import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '@fieldtrace/service-kit';
import { MavlinkConfig, mavlinkSourceConfig } from './config.js';
import { signingKeyFromPassphrase } from './signing.js';

test('defaults: listen for MAVLink on UDP 14550 on all interfaces, no signing', () => {
  const config = mavlinkSourceConfig(loadConfig(MavlinkConfig, {}));
  assert.deepEqual(config.link, { kind: 'udp', port: 14550, bindAddress: '0.0.0.0' });
  assert.equal(config.signingKey, undefined);
});

test('tlog replay at real speed with a Mission Planner passphrase', () => {
  const config = mavlinkSourceConfig(
    loadConfig(MavlinkConfig, { MAVLINK_LINK: 'tlog', MAVLINK_FILE: '/data/f.tlog', MAVLINK_REPLAY_SPEED: '1', MAVLINK_SIGNING_PASSPHRASE: 'hunter2' }),
  );
  assert.deepEqual(config.link, { kind: 'tlog', path: '/data/f.tlog', speed: 1 });
  assert.deepEqual(config.signingKey, signingKeyFromPassphrase('hunter2'));
});

test('a serial link without a device path is refused with every problem listed', () => {
  assert.throws(
    () => mavlinkSourceConfig(loadConfig(MavlinkConfig, { MAVLINK_LINK: 'serial', MAVLINK_SIGNING_KEY: 'ab'.repeat(32), MAVLINK_SIGNING_PASSPHRASE: 'x' })),
    (err: Error & { code?: string }) => err.code === 'FT_CONFIG_INVALID' && /MAVLINK_SERIAL_PATH/.test(err.message) && /set one, not both/.test(err.message),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldtraceError, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { buildPlatform } from './platform.js';

test('a bad environment is refused before anything starts, with every problem of every service in one error', async () => {
  await assert.rejects(
    buildPlatform({ SIM_TRUCKS: '-3', MQTT_PORT: 'abc', HTTP_PORT: '99999', LOG_LEVEL: 'loud' }, { logger: silentLogger, clock: systemClock }),
    (err: unknown) => {
      assert.ok(err instanceof FieldtraceError);
      assert.equal(err.code, 'FT_CONFIG_INVALID');
      assert.match(err.message, /SIM_TRUCKS: .* \(got "-3"\) \[platform, edge-agent\]/);
      assert.match(err.message, /MQTT_PORT: .*\(got "abc"\) \[ingest\]/);
      assert.match(err.message, /HTTP_PORT: .*\(got "99999"\) \[core-api\]/);
      assert.match(err.message, /LOG_LEVEL/);
      return true;
    },
  );
});

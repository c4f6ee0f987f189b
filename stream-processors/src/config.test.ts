import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@fieldtrace/service-kit';
import { ProcessorsConfigSchema } from './config.js';

test('defaults apply, numbers are read from strings, and a bad value is refused by name', () => {
  const d = loadConfig(ProcessorsConfigSchema, {});
  assert.deepEqual(
    [d.GEOFENCE_MAX_MARGIN_M, d.ETA_DETOUR_FACTOR, d.ETA_DEFAULT_SPEED_MS, d.ETA_MIN_CHANGE_S, d.ETA_MAX_SILENCE_S, d.ETA_MIN_INTERVAL_S, d.LOG_LEVEL],
    [25, 1.3, 8.3, 120, 30, 5, 'info'],
  );
  assert.deepEqual([d.GEOFENCE_DWELL_IN_S, d.GEOFENCE_DWELL_OUT_S, d.REORDER_WINDOW_MS, d.PROCESSOR_PARTITION, d.ETA_LEARN], [120, 180, 0, '0/1', true]);
  assert.equal(loadConfig(ProcessorsConfigSchema, { ETA_LEARN: 'false' }).ETA_LEARN, false);
  assert.throws(() => loadConfig(ProcessorsConfigSchema, { PROCESSOR_PARTITION: '3' }), /PROCESSOR_PARTITION/);
  assert.equal(d.MQTT_URL, undefined);
  assert.equal(loadConfig(ProcessorsConfigSchema, { ETA_DETOUR_FACTOR: '1.5' }).ETA_DETOUR_FACTOR, 1.5);
  assert.throws(() => loadConfig(ProcessorsConfigSchema, { ETA_DETOUR_FACTOR: '0.5' }), /ETA_DETOUR_FACTOR/);
});

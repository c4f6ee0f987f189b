import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { openQueue } from '../queue/index.js';
import type { Reading, Source } from '../sources/source.js';
import { AgentConfig } from './agent-config.js';
import { buildAgent } from './build-agent.js';

function manualSource(): Source & { push(reading: Reading): void } {
  let emit: ((reading: Reading) => void) | null = null;
  return {
    name: 'manual',
    async start(e) {
      emit = e;
    },
    async close() {},
    stats: () => ({}),
    push: (reading) => emit?.(reading),
  };
}

const T0 = 1_763_726_400_000;
const parked = (s: number): Reading => ({ kind: 'fix', body: { ts: T0 + s * 1000, lat: 43.7, lon: 7.42, speed: 0, fix: '3d' } });

test('the agent filters parked fixes, stamps seqs in emission order, and stores what was emitted right before close', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ft-agent-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = loadConfig(AgentConfig, {
    MQTT_URL: 'mqtt://127.0.0.1:1', // nothing listens: the agent must work offline
    TENANT_ID: 'acme',
    DEVICE_ID: 'truck-1',
    DEVICE_SECRET: 'agent-test-secret-0123456789',
    QUEUE_DIR: dir,
    LAST_WILL: 'false',
    REPORT_HEARTBEAT_S: '60',
  });
  const source = manualSource();
  const agent = buildAgent(config, { logger: silentLogger, clock: systemClock, sources: [source] });
  await agent.start();
  for (let s = 0; s < 120; s++) source.push(parked(s));
  source.push({ kind: 'status', body: { ts: T0 + 121_000, uptimeS: 121 } });
  await agent.close();
  const stats = agent.stats();
  assert.equal(stats.readings, 121);
  assert.equal(stats.filtered, 118, 'only the first fix and the 60 s heartbeats survive a parked truck');
  assert.equal(stats.queue?.backlog, 3);

  const queue = await openQueue({ dir }, { logger: silentLogger });
  const stored = (await queue.read(0, 10)).records.map((r) => ({ kind: r.kind, ...(JSON.parse(r.body) as { seq: number; ts: number }) }));
  await queue.close();
  assert.deepEqual(
    stored.map((r) => [r.kind, r.seq, r.ts]),
    [
      ['fix', 0, T0],
      ['fix', 1, T0 + 60_000],
      ['status', 2, T0 + 121_000],
    ],
  );
});

test('the config rejects a short device secret and an unknown fsync policy, naming the variables', () => {
  assert.throws(
    () => loadConfig(AgentConfig, { MQTT_URL: 'mqtt://x', TENANT_ID: 'acme', DEVICE_ID: 'truck-1', DEVICE_SECRET: 'short', FSYNC_POLICY: 'sometimes' }),
    (err: Error) => /DEVICE_SECRET/.test(err.message) && /FSYNC_POLICY/.test(err.message),
  );
});

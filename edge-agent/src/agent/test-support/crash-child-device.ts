/**
 * crash-child.ts with the device identity taken from its arguments, for tests against a shared broker (Mosquitto)
 * where `acme/d/truck-1` may still hold a persistent session, retained config or a straggler from an earlier run.
 * Same protocol: prints `ready {recovery}` once the queue is open and `done` once `target` seqs are queued, appends
 * "seq ts" to `sideFile` for every stored fix (after fsync). Arguments: one JSON object (DeviceCrashChildArgs).
 */
import { appendFileSync } from 'node:fs';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { AgentConfig } from '../agent-config.js';
import { buildAgent, type Agent } from '../build-agent.js';
import type { CrashChildArgs } from './crash-child.js';
import { createSyntheticFixSource } from './synthetic-source.js';

export interface DeviceCrashChildArgs extends CrashChildArgs {
  tenantId: string;
  deviceId: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as DeviceCrashChildArgs;
let agent: Agent | null = null;
let announcedDone = false;
const config = loadConfig(AgentConfig, {
  MQTT_URL: args.mqttUrl,
  TENANT_ID: args.tenantId,
  DEVICE_ID: args.deviceId,
  DEVICE_SECRET: 'crash-test-secret-0123456789',
  QUEUE_DIR: args.queueDir,
  QUEUE_MAX_BYTES: String(64 * 1024 * 1024),
  QUEUE_SEGMENT_BYTES: String(256 * 1024),
  FSYNC_POLICY: 'always',
  DRAIN_ORDER: 'backlog-first',
  RECONNECT_MIN_MS: '100',
  RECONNECT_MAX_MS: '400',
  MQTT_MAX_IN_FLIGHT: '500',
  REPORT_DISTANCE_M: '50',
});
const source = createSyntheticFixSource({
  perTick: args.perTick,
  tickMs: args.tickMs,
  clock: systemClock,
  shouldStop: () => {
    const next = agent?.stats().queue?.nextSeq ?? 0;
    if (next < args.target) return false;
    if (!announcedDone) {
      announcedDone = true;
      process.stdout.write('done\n');
    }
    return true;
  },
});
agent = buildAgent(config, {
  logger: silentLogger,
  clock: systemClock,
  sources: [source],
  onStored: (records) => {
    let lines = '';
    for (const r of records) if (r.kind === 'fix') lines += `${r.seq} ${(JSON.parse(r.body) as { ts: number }).ts}\n`;
    if (lines) appendFileSync(args.sideFile, lines);
  },
});
process.on('SIGTERM', () => {
  void agent!.close().then(() => {
    process.stderr.write(`${JSON.stringify(agent!.stats())}\n`);
    process.exit(0);
  });
});
await agent.start();
const recovered = agent.stats().queue!;
process.stdout.write(`ready ${JSON.stringify({ truncatedBytes: recovered.truncatedBytes, corruptRegions: recovered.corruptRegions, nextSeq: recovered.nextSeq })}\n`);

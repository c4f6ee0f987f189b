/**
 * The agent as a child process for the crash test: buffers synthetic fixes until the queue holds `target` seqs,
 * appending "seq ts" for every stored fix to `sideFile` (after the store resolved, i.e. after fsync), then keeps
 * running so the uplink drains when the broker appears. Arguments: one JSON object (CrashChildArgs) in argv[2].
 */
import { appendFileSync } from 'node:fs';
import { loadConfig, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { AgentConfig } from '../agent-config.js';
import { buildAgent, type Agent } from '../build-agent.js';
import { createSyntheticFixSource } from './synthetic-source.js';

export interface CrashChildArgs {
  queueDir: string;
  mqttUrl: string;
  sideFile: string;
  target: number;
  perTick: number;
  tickMs: number;
  /** The device identity; tests on a shared broker (Mosquitto) pass unique ones. Default acme / truck-1. */
  tenantId?: string;
  deviceId?: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as CrashChildArgs;
let agent: Agent | null = null;
let announcedDone = false;
const config = loadConfig(AgentConfig, {
  MQTT_URL: args.mqttUrl,
  TENANT_ID: args.tenantId ?? 'acme',
  DEVICE_ID: args.deviceId ?? 'truck-1',
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

/**
 * bench/edge-agent — the edge agent measured alone, in a child process, against an aedes broker in this process.
 *   (a) steady state: a 10 Hz GPS receiver and 10 sensors at 1 Hz; CPU (% of one core, from /proc/<pid>/stat)
 *       and RSS over `--seconds` after `--warmup`; targets < 5 % of one core and < 80 MB.
 *   (b) backlog: a queue holding 86,400 fixes (a day offline at 1 Hz) drains once the broker is reachable; time
 *       from the agent's CONNECT to the last fix's PUBACK; target < 60 s; batched (default) and BATCH_MAX_FIXES=1.
 * Usage: node bench/dist/edge-agent.js [--seconds 60] [--warmup 10] [--runs 3] [--fixes 86400]
 *        [--filter both|on|off] [--only steady|backlog]
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { validateUplink, type UplinkKind } from '@fieldtrace/protocol';
import { spawnAgentChild } from './agent-child-process.js';
import { cpuSeconds, rssMb } from './proc-usage.js';
import { fmt, median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    fixes: { type: 'string', default: '86400' },
    filter: { type: 'string', default: 'both' },
    only: { type: 'string' },
    /** Extra node flags for the agent process, e.g. "--max-semi-space-size=1" (space-separated). */
    'node-options': { type: 'string', default: '' },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP_S = Number(args.warmup);
const RUNS = Number(args.runs);
const BACKLOG_FIXES = Number(args.fixes);
const NODE_OPTIONS = (args['node-options'] ?? '').split(' ').filter(Boolean);
const TARGET_CPU_PCT = 5;
const TARGET_RSS_MB = 80;
const TARGET_DRAIN_S = 60;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

interface BenchBroker {
  url: string;
  /** When the agent's CONNECT was accepted (ms), per connection in order. */
  connects: number[];
  messages: Record<string, number>;
  invalid: number;
  /** Distinct fix seqs seen, and when the last new one arrived (aedes acknowledges as it emits 'publish'). */
  fixSeqs: Set<number>;
  lastNewFixAt: number;
  outOfOrder: number;
  close(): Promise<void>;
}

/** An aedes broker on 127.0.0.1:0 that validates every uplink as ingest would and tracks fix seqs. */
async function startBroker(): Promise<BenchBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let lastSeq = -1;
  const broker: BenchBroker = {
    url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`,
    connects: [],
    messages: {},
    invalid: 0,
    fixSeqs: new Set(),
    lastNewFixAt: 0,
    outOfOrder: 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
  aedes.on('client', () => broker.connects.push(performance.now()));
  aedes.on('publish', (packet, client) => {
    if (!client) return;
    const kind = packet.topic.slice(packet.topic.lastIndexOf('/') + 1) as UplinkKind;
    broker.messages[kind] = (broker.messages[kind] ?? 0) + 1;
    const value = JSON.parse(packet.payload.toString()) as { seq: number; fixes?: { seq: number }[] };
    if (!validateUplink(kind, value).ok) broker.invalid++;
    if (kind !== 'fix' && kind !== 'fixes') return;
    for (const fix of value.fixes ?? [value]) {
      if (fix.seq <= lastSeq) broker.outOfOrder++;
      lastSeq = fix.seq;
      if (!broker.fixSeqs.has(fix.seq)) {
        broker.fixSeqs.add(fix.seq);
        broker.lastNewFixAt = performance.now();
      }
    }
  });
  return broker;
}

async function unreachableUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return `mqtt://127.0.0.1:${port}`;
}

async function steadyState(filter: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-agent-'));
  const broker = await startBroker();
  const child = spawnAgentChild({ mode: 'steady', queueDir: join(dir, 'queue'), mqttUrl: broker.url, env: { ADAPTIVE_FILTER: String(filter) } }, NODE_OPTIONS);
  try {
    await child.ready;
    await sleep(WARMUP_S * 1000);
    const fixesBefore = broker.fixSeqs.size;
    const messagesBefore = Object.values(broker.messages).reduce((a, b) => a + b, 0);
    const cpu0 = cpuSeconds(child.pid);
    const t0 = performance.now();
    const rss: number[] = [];
    for (let s = 0; s < SECONDS; s++) {
      await sleep(1000);
      rss.push(rssMb(child.pid));
    }
    const cpuPct = ((cpuSeconds(child.pid) - cpu0) / ((performance.now() - t0) / 1000)) * 100;
    const messages = Object.values(broker.messages).reduce((a, b) => a + b, 0) - messagesBefore;
    const stats = await child.stop();
    const uplink = stats.uplink as { acked: number } | null;
    const heapMb = (stats.memory as { heapUsed: number }).heapUsed / 1048576;
    const importedMb = stats.rssAtStartMb as number;
    const rssMedian = median(rss);
    const rssMax = Math.max(...rss);
    console.log(`steady state, adaptive filter ${filter ? 'on (default)' : 'off (every 10 Hz fix kept)'}, ${SECONDS} s after ${WARMUP_S} s warm-up:`);
    console.log(`  input 10 fixes/s + 10 sensor readings/s; published ${fmt(messages / SECONDS, 1)} msg/s, ${fmt((broker.fixSeqs.size - fixesBefore) / SECONDS, 1)} fixes/s; ${broker.invalid} invalid; ${uplink?.acked ?? '?'} records acked in total`);
    console.log(`  CPU ${fmt(cpuPct, 2)} % of one core (target < ${TARGET_CPU_PCT} %) ${verdict(cpuPct < TARGET_CPU_PCT)}`);
    console.log(`  RSS median ${fmt(rssMedian, 1)} MB, max ${fmt(rssMax, 1)} MB (target < ${TARGET_RSS_MB} MB) ${verdict(rssMax < TARGET_RSS_MB)}`);
    console.log(`    of which node + the @fieldtrace/edge-agent entry point before the agent starts: ${fmt(importedMb, 1)} MB; JS heap in use at the end ${fmt(heapMb, 1)} MB`);
  } finally {
    child.process.kill('SIGKILL');
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A queue directory holding `fixes` unacknowledged fixes, written by the agent itself with no broker reachable. */
async function fillBacklog(dir: string, fixes: number): Promise<number> {
  const started = performance.now();
  const child = spawnAgentChild({ mode: 'fill', queueDir: dir, mqttUrl: await unreachableUrl(), fixes, env: { ADAPTIVE_FILTER: 'false', LAST_WILL: 'false' } });
  const stats = await child.finished;
  const queue = stats.queue as { backlog: number };
  if (queue.backlog !== fixes) throw new Error(`fill stored ${queue.backlog} fixes, wanted ${fixes}`);
  return (performance.now() - started) / 1000;
}

interface DrainRun {
  connectToLastAckS: number;
  spawnToConnectS: number;
  messages: number;
}

async function drainOnce(template: string, batchMaxFixes: number): Promise<DrainRun> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-drain-'));
  await cp(template, dir, { recursive: true });
  const broker = await startBroker();
  const spawnedAt = performance.now();
  const child = spawnAgentChild({ mode: 'drain', queueDir: dir, mqttUrl: broker.url, env: { BATCH_MAX_FIXES: String(batchMaxFixes) } }, NODE_OPTIONS);
  try {
    const deadline = Date.now() + 10 * TARGET_DRAIN_S * 1000;
    while (broker.fixSeqs.size < BACKLOG_FIXES) {
      if (Date.now() > deadline) throw new Error(`drain stalled at ${broker.fixSeqs.size} of ${BACKLOG_FIXES} fixes`);
      await sleep(5);
    }
    const connectedAt = broker.connects[0]!;
    if (broker.invalid > 0 || broker.outOfOrder > 0) throw new Error(`${broker.invalid} invalid payloads, ${broker.outOfOrder} seqs out of order`);
    await child.stop();
    return {
      connectToLastAckS: (broker.lastNewFixAt - connectedAt) / 1000,
      spawnToConnectS: (connectedAt - spawnedAt) / 1000,
      messages: (broker.messages.fix ?? 0) + (broker.messages.fixes ?? 0),
    };
  } finally {
    child.process.kill('SIGKILL');
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function backlog(): Promise<void> {
  const template = await mkdtemp(join(tmpdir(), 'ft-bench-backlog-'));
  try {
    const fillS = await fillBacklog(template, BACKLOG_FIXES);
    console.log(`backlog: ${fmt(BACKLOG_FIXES)} fixes queued by the agent with the broker unreachable in ${fmt(fillS, 1)} s (fsync always)`);
    const results: { label: string; seconds: number }[] = [];
    for (const [label, batch] of [['batched (BATCH_MAX_FIXES=100, default)', 100], ['unbatched (BATCH_MAX_FIXES=1)', 1]] as const) {
      const runs: DrainRun[] = [];
      for (let r = 0; r < RUNS; r++) runs.push(await drainOnce(template, batch));
      const seconds = median(runs.map((r) => r.connectToLastAckS));
      results.push({ label, seconds });
      console.log(`  ${label}: connect → last PUBACK median ${fmt(seconds, 2)} s of ${RUNS} (${runs.map((r) => fmt(r.connectToLastAckS, 2)).join(', ')}), ${fmt(BACKLOG_FIXES / seconds)} fixes/s, ${fmt(median(runs.map((r) => r.messages)))} messages; agent start → connect ${fmt(median(runs.map((r) => r.spawnToConnectS)), 2)} s`);
      console.log(`    target < ${TARGET_DRAIN_S} s ${verdict(seconds < TARGET_DRAIN_S)}`);
    }
    const [batched, single] = results;
    if (batched && single) console.log(`  batching drains ${fmt(single.seconds / batched.seconds, 1)}× faster`);
  } finally {
    await rm(template, { recursive: true, force: true });
  }
}

console.log(`bench/edge-agent: the agent runs alone in a child process (node ${process.version}${NODE_OPTIONS.length ? ` ${NODE_OPTIONS.join(' ')}` : ''}); broker = in-process aedes on loopback`);
if (args.only !== 'backlog') {
  if (args.filter !== 'off') await steadyState(true);
  if (args.filter !== 'on') await steadyState(false);
}
if (args.only !== 'steady') await backlog();

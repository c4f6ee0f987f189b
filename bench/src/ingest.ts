/**
 * bench/ingest — K devices publish single-fix QoS 1 messages over MQTT into the running platform (embedded
 * defaults: aedes + PGlite, or --db pg for PostgreSQL). Prints:
 *   - at a fixed offered rate: p50/p99 publish → WebSocket client and publish → committed row
 *     (the PUBACK is sent only after the commit, so publish → PUBACK is publish → committed);
 *   - at saturation: sustained fixes/s stored (acknowledged, cross-checked with ingest's /metrics).
 * Usage: npm run bench:ingest -- [--devices 200] [--rate 5000] [--seconds 20] [--window 16] [--db pglite|pg] [--runs 3]
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { LIVE_PATH, type LiveItem } from '@fieldtrace/protocol';
import { benchAdminKey, benchDevices, type BenchDevice } from './bench-fleet.js';
import { freshPostgresUrl, startPlatformProcess, scrapeCounter, type RunningPlatform } from './platform-process.js';
import { Samples, median, fmt } from './stats.js';

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '200' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    window: { type: 'string', default: '16' },
    db: { type: 'string', default: 'pglite' },
    runs: { type: 'string', default: '3' },
  },
});
const DEVICES = Number(args.devices);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WINDOW = Number(args.window);
const RUNS = Number(args.runs);
const TARGET_STORED = 20_000;
const TARGET_WS_P99_MS = 100;

type Device = BenchDevice;

function payload(d: Device, now: number): string {
  d.seq++;
  // A fix near Monaco; ts is the publish time, so live-feed latency is (receive time - ts) on one clock.
  return `{"v":1,"seq":${d.seq},"ts":${now},"lat":${43.73 + (d.seq % 100) * 1e-5},"lon":7.42,"accuracy":5,"speed":8.3,"heading":90,"fix":"3d","sats":9}`;
}

async function fixedRate(devices: Device[], wsLatency: Samples, live: { on: boolean }) {
  const commit = new Samples();
  wsLatency.reset();
  live.on = true;
  const start = Date.now();
  const total = RATE * SECONDS;
  let sent = 0;
  let acked = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE));
      for (; sent < due; sent++) {
        const d = devices[next++ % devices.length]!;
        const t0 = Date.now();
        d.client.publish(d.topic, payload(d, t0), { qos: 1 }, (err) => {
          if (!err) commit.add(Date.now() - t0);
          if (++acked === total) resolve();
        });
      }
      if (sent >= total) clearInterval(timer);
    }, 2);
  });
  await new Promise((r) => setTimeout(r, 300)); // last live frames
  live.on = false;
  return { commit, ws: wsLatency, achievedRate: total / ((Date.now() - start - 300) / 1000) };
}

async function saturation(devices: Device[], p: RunningPlatform) {
  const before = await scrapeCounter(p.metricsUrl, 'ft_ingest_accepted_total{kind="fix"}');
  let acked = 0;
  let running = true;
  const start = Date.now();
  const pump = (d: Device) => {
    if (!running) return;
    d.client.publish(d.topic, payload(d, Date.now()), { qos: 1 }, () => {
      acked++;
      pump(d);
    });
  };
  for (const d of devices) for (let i = 0; i < WINDOW; i++) pump(d);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const after = await scrapeCounter(p.metricsUrl, 'ft_ingest_accepted_total{kind="fix"}');
  running = false;
  const elapsed = (Date.now() - start) / 1000;
  const ackedInWindow = acked;
  await new Promise((r) => setTimeout(r, 1000)); // let the in-flight windows drain before the next phase
  return { ackedPerS: ackedInWindow / elapsed, storedPerS: (after - before) / elapsed };
}

async function main() {
  const p = await startPlatformProcess(args.db === 'pg' ? { DATABASE_URL: await freshPostgresUrl() } : {});
  try {
    const key = await benchAdminKey(p);
    const devices = await benchDevices(p, key, DEVICES);
    const wsLatency = new Samples();
    const live = { on: false };
    let liveReceived = 0;
    const ws = new WebSocket(`${p.apiUrl.replace('http', 'ws')}${LIVE_PATH}?key=${encodeURIComponent(key)}`);
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    ws.on('message', (data) => {
      const now = Date.now();
      const items = JSON.parse(data.toString()) as LiveItem[];
      for (const it of items) {
        if (it.type !== 'position') continue;
        liveReceived++;
        if (live.on) wsLatency.add(now - it.data.ts);
      }
    });

    console.log(`bench/ingest: ${DEVICES} devices, QoS 1, one fix per message, store=${args.db}, ${SECONDS} s per phase, ${RUNS} runs`);
    const fixed: { p50ws: number; p99ws: number; p50c: number; p99c: number; rate: number }[] = [];
    const sat: { stored: number; acked: number }[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const f = await fixedRate(devices, wsLatency, live);
      fixed.push({ p50ws: f.ws.percentile(50), p99ws: f.ws.percentile(99), p50c: f.commit.percentile(50), p99c: f.commit.percentile(99), rate: f.achievedRate });
      console.log(`  run ${run} fixed ${fmt(f.achievedRate)}/s offered: publish→WebSocket p50 ${fmt(f.ws.percentile(50))} ms p99 ${fmt(f.ws.percentile(99))} ms (${f.ws.count} samples); publish→committed p50 ${fmt(f.commit.percentile(50))} ms p99 ${fmt(f.commit.percentile(99))} ms`);
      const s = await saturation(devices, p);
      sat.push({ stored: s.storedPerS, acked: s.ackedPerS });
      console.log(`  run ${run} saturation (window ${WINDOW}/device): ${fmt(s.ackedPerS)} fixes/s acknowledged (= committed), ${fmt(s.storedPerS)} fixes/s by ingest's counter`);
    }
    const storedMedian = median(sat.map((s) => s.acked));
    const p99wsMedian = median(fixed.map((f) => f.p99ws));
    console.log('\nmedians over runs');
    console.log(`  sustained fixes/s stored end to end: ${fmt(storedMedian)}  (target ≥ ${fmt(TARGET_STORED)}: ${storedMedian >= TARGET_STORED ? 'MET' : 'NOT MET'}, ${fmt(storedMedian / TARGET_STORED, 2)}× target)`);
    console.log(`  at ${fmt(RATE)}/s offered: publish→WebSocket p50 ${fmt(median(fixed.map((f) => f.p50ws)))} ms, p99 ${fmt(p99wsMedian)} ms  (target p99 < ${TARGET_WS_P99_MS} ms: ${p99wsMedian < TARGET_WS_P99_MS ? 'MET' : 'NOT MET'})`);
    console.log(`  at ${fmt(RATE)}/s offered: publish→committed row p50 ${fmt(median(fixed.map((f) => f.p50c)))} ms, p99 ${fmt(median(fixed.map((f) => f.p99c)))} ms`);
    console.log(`  live feed received ${fmt(liveReceived)} positions in all`);
    ws.close();
    await Promise.all(devices.map((d) => d.client.endAsync()));
  } finally {
    await p.stop();
  }
}

await main();

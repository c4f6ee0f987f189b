/**
 * bench/hot-path — end to end, publish → geofence event: K devices publish single-fix QoS 1 messages at a fixed
 * offered rate into the platform as users run it (own process; embedded aedes + PGlite, or --db pg), with F
 * polygon fences (20 vertices, ~200 m across) defined through the API. Each device keeps to its own fence's
 * neighbourhood and crosses its boundary every `--every`-th fix (in, then out); the time from publishing that fix to
 * the enter/exit arriving on a WebSocket live-feed client is one sample. Every other fix moves without crossing.
 * The geofence event is announced only after ingest committed the fix and the processors committed the event.
 * Usage: npm run bench:hot-path -- [--rate 10000] [--devices 500] [--fences 2000] [--every 20] [--seconds 20] [--runs 3] [--db pglite|pg]
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { LIVE_PATH, offsetLatLon, type GeofenceEvent, type LiveItem, type LonLat } from '@fieldtrace/protocol';
import { seededRandom } from '@fieldtrace/testkit';
import { freshPostgresUrl, startPlatformProcess, scrapeCounter } from './platform-process.js';
import { benchAdminKey, benchDevices, postAll, type BenchDevice } from './bench-fleet.js';
import { Samples, median, fmt } from './stats.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    devices: { type: 'string', default: '500' },
    fences: { type: 'string', default: '2000' },
    every: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    db: { type: 'string', default: 'pglite' },
  },
});
const RATE = Number(args.rate);
const DEVICES = Number(args.devices);
const FENCES = Number(args.fences);
const EVERY = Number(args.every);
const SECONDS = Number(args.seconds);
const RUNS = Number(args.runs);
const TARGET_P99_MS = 50;
// Limerick: the metro area of one of the real bus traces; fences on a 400 m grid, so none overlaps another.
const ORIGIN: [number, number] = [52.6, -8.7];
const GRID_M = 400;

interface Probe {
  device: BenchDevice;
  centre: [number, number];
  inside: boolean;
  /** Fixes since the last crossing. */
  sinceCrossing: number;
  /** Publish time of the crossing fix whose event has not arrived yet; NaN when none is pending. */
  pendingSince: number;
  /** The crossing fix's seq, to time its own arrival on the live feed (the position, before any processing). */
  pendingSeq: number;
}

function fenceCentre(i: number): [number, number] {
  const cols = Math.ceil(Math.sqrt(FENCES));
  const [lat] = offsetLatLon(ORIGIN[0], ORIGIN[1], 0, Math.floor(i / cols) * GRID_M);
  return offsetLatLon(lat, ORIGIN[1], 90, (i % cols) * GRID_M);
}

function polygon(centre: [number, number], r: () => number): LonLat[] {
  const ring: LonLat[] = [];
  for (let k = 0; k < 20; k++) {
    const [lat, lon] = offsetLatLon(centre[0], centre[1], (k * 360) / 20, 90 + r() * 20);
    ring.push([lon, lat]);
  }
  ring.push(ring[0]!);
  return ring;
}

/**
 * Inside: within 30 m of the centre. Outside: 150–180 m north-north-east of it (the fence reaches 110 m at most),
 * so a line between two outside fixes never passes through the fence, and one from outside to inside crosses once.
 */
function payload(p: Probe, now: number, r: () => number): string {
  p.device.seq++;
  const [lat, lon] = p.inside ? offsetLatLon(p.centre[0], p.centre[1], r() * 360, r() * 30) : offsetLatLon(p.centre[0], p.centre[1], r() * 30, 150 + r() * 30);
  return `{"v":1,"seq":${p.device.seq},"ts":${now},"lat":${lat.toFixed(7)},"lon":${lon.toFixed(7)},"accuracy":5,"speed":3,"fix":"3d"}`;
}

async function fixedRate(probes: Probe[], latency: Samples, positions: Samples, r: () => number): Promise<number> {
  latency.reset();
  positions.reset();
  const start = Date.now();
  const total = RATE * SECONDS;
  let sent = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE));
      for (; sent < due; sent++) {
        const p = probes[next++ % probes.length]!;
        const now = Date.now();
        // Cross only once the previous crossing's event has come back, so each sample is unambiguous.
        if (++p.sinceCrossing >= EVERY && Number.isNaN(p.pendingSince)) {
          p.inside = !p.inside;
          p.sinceCrossing = 0;
          p.pendingSince = now;
        }
        const body = payload(p, now, r);
        if (p.sinceCrossing === 0) p.pendingSeq = p.device.seq;
        p.device.client.publish(p.device.topic, body, { qos: 1 });
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  await new Promise((res) => setTimeout(res, 2000)); // the last events
  return total / ((Date.now() - start - 2000) / 1000);
}

async function main() {
  const p = await startPlatformProcess(args.db === 'pg' ? { DATABASE_URL: await freshPostgresUrl() } : {});
  const r = seededRandom(7);
  try {
    const key = await benchAdminKey(p);
    const t0 = Date.now();
    await postAll(p, key, '/v1/geofences', Array.from({ length: FENCES }, (_, i) => ({
      id: `f${i}`, name: `Fence ${i}`, kind: 'zone', shape: { type: 'polygon', coordinates: [polygon(fenceCentre(i), r)] },
    })));
    const devices = await benchDevices(p, key, DEVICES);
    console.log(`bench/hot-path: ${FENCES} fences and ${DEVICES} devices set up in ${fmt((Date.now() - t0) / 1000, 1)} s; store=${args.db}`);
    const probes: Probe[] = devices.map((device, i) => ({
      device, centre: fenceCentre(Math.floor((i * FENCES) / DEVICES)), inside: false, sinceCrossing: Math.floor(r() * EVERY),
      pendingSince: Number.NaN, pendingSeq: -1,
    }));
    const byDevice = new Map(probes.map((pr) => [pr.device.id, pr]));

    const latency = new Samples();
    const positions = new Samples();
    let unmatched = 0;
    const ws = new WebSocket(`${p.apiUrl.replace('http', 'ws')}${LIVE_PATH}?key=${encodeURIComponent(key)}`);
    await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
    ws.on('message', (data) => {
      const now = Date.now();
      for (const it of JSON.parse(data.toString()) as LiveItem[]) {
        if (it.type === 'position') {
          const pr = byDevice.get(it.data.deviceId);
          if (pr && it.data.seq === pr.pendingSeq && !Number.isNaN(pr.pendingSince)) positions.add(now - pr.pendingSince);
          continue;
        }
        if (it.type !== 'geofence') continue;
        const e = it.data as GeofenceEvent;
        if (e.transition !== 'enter' && e.transition !== 'exit') continue;
        const pr = byDevice.get(e.deviceId);
        if (!pr || Number.isNaN(pr.pendingSince)) {
          if (process.env.DEBUG_UNMATCHED && unmatched < 5) console.log('unmatched', JSON.stringify(e));
          unmatched++;
          continue;
        }
        latency.add(now - pr.pendingSince);
        pr.pendingSince = Number.NaN;
      }
    });

    console.log(`  ${fmt(RATE)} fixes/s offered for ${SECONDS} s per run, a boundary crossing every ${EVERY}th fix of a device; ${RUNS} runs`);
    const runs: { p50: number; p99: number; rate: number; n: number }[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const rate = await fixedRate(probes, latency, positions, r);
      runs.push({ p50: latency.percentile(50), p99: latency.percentile(99), rate, n: latency.count });
      console.log(`  run ${run}: ${fmt(rate)} fixes/s offered, publish→geofence event on the WebSocket p50 ${fmt(latency.percentile(50))} ms, p99 ${fmt(latency.percentile(99))} ms, max ${fmt(latency.percentile(100))} ms (${latency.count} events); the same fixes as positions on the WebSocket (ingest alone) p50 ${fmt(positions.percentile(50))} ms, p99 ${fmt(positions.percentile(99))} ms`);
    }
    const accepted = await scrapeCounter(p.metricsUrl, 'ft_ingest_accepted_total{kind="fix"}');
    const p99 = median(runs.map((x) => x.p99));
    console.log('\nmedians over runs');
    console.log(`  publish → geofence event on the WebSocket at ${fmt(median(runs.map((x) => x.rate)))} fixes/s: p50 ${fmt(median(runs.map((x) => x.p50)))} ms, p99 ${fmt(p99)} ms  (target p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'MET' : 'NOT MET'}, ${fmt(p99 / TARGET_P99_MS, 2)}× target)`);
    console.log(`  ingest accepted ${fmt(accepted)} fixes; events not matched to a pending crossing: ${unmatched}`);
    ws.close();
    await Promise.all(devices.map((d) => d.client.endAsync()));
  } finally {
    await p.stop();
  }
}

await main();

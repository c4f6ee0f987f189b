/**
 * bench/geofence — points/s through the geofence engine (stream-processors' grid index, per-cell compiled fences and
 * the per-device enter/exit/dwell state machine of stepGeofence) against 1,000 / 10,000 / 100,000 realistic fences
 * (20-vertex polygons ~200 m across, spread over a 25 × 25 km metro area), on one core; and the same points through
 * PostGIS (ST_Contains over a GiST index, points sent in batches of 1,000 and of 10,000 after a warm-up batch; the
 * better is reported, and one query per fix for scale) on this machine's PostgreSQL when the extension is available.
 * Prints medians of `runs` runs and the ratio.
 *
 * Loading the fences and compiling the grid cells (FenceIndex.prepare, the engine's CREATE INDEX) are timed apart from
 * the fixes, as is building PostGIS's table and index; with --lazy the cells compile on first visit instead, inside
 * the timed loop. PostGIS answers
 * containment only; the engine also keeps hysteresis, dwell and crossing times per device, so the ratio flatters
 * PostGIS if anything.
 * Usage: npm run bench:geofence -- [--fences 1000,10000,100000] [--points 1000000] [--runs 3] [--no-postgis]
 *          [--postgis-points 50000] [--cell-size <metres>] [--lazy]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { GeofenceEvent, LonLat } from '@fieldtrace/protocol';
import { offsetLatLon } from '@fieldtrace/protocol';
import { createGeofenceState, stepGeofence, upsertFence, FleetDirectory, type FixInput, type GeofenceOptions } from '@fieldtrace/stream-processors';
import { seededRandom } from '@fieldtrace/testkit';
import { median, fmt } from './stats.js';

const { values: args } = parseArgs({
  options: {
    fences: { type: 'string', default: '1000,10000,100000' },
    points: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'no-postgis': { type: 'boolean', default: false },
    'postgis-points': { type: 'string', default: '50000' },
    'cell-size': { type: 'string' },
    lazy: { type: 'boolean', default: false },
  },
});
const FENCE_COUNTS = args.fences.split(',').map(Number);
const POINTS = Number(args.points);
const RUNS = Number(args.runs);
const POSTGIS_POINTS = Number(args['postgis-points']);
/** Batched, as a service would send a stream; the better is PostGIS's figure. One query per fix is shown for scale. */
const POSTGIS_BATCHES = [1000, 10_000];
const POSTGIS_SINGLE_POINTS = 2000;
const DEVICES = 1000;
const TARGET_PPS_AT_10K = 1_000_000;
// Limerick, Ireland: the metro area of one of the real bus traces in ../shared/fixtures/trajectories.
const CENTER: [number, number] = [52.6638, -8.6267];
const AREA_M = 25_000;

/** Seeded (mulberry32), so every run and PostGIS see the same fences and points. */
const rng = seededRandom;

function randomPoint(r: () => number): [number, number] {
  const [lat1] = offsetLatLon(CENTER[0], CENTER[1], 180, AREA_M / 2);
  const [, lon1] = offsetLatLon(CENTER[0], CENTER[1], 270, AREA_M / 2);
  const [lat2] = offsetLatLon(CENTER[0], CENTER[1], 0, AREA_M / 2);
  const [, lon2] = offsetLatLon(CENTER[0], CENTER[1], 90, AREA_M / 2);
  return [lat1 + (lat2 - lat1) * r(), lon1 + (lon2 - lon1) * r()];
}

/** A building-lot-like polygon: 20 vertices at 70–130 m from a centre, in angle order (simple, not convex). */
function polygon(r: () => number): LonLat[] {
  const [lat, lon] = randomPoint(r);
  const ring: LonLat[] = [];
  for (let i = 0; i < 20; i++) {
    const [vlat, vlon] = offsetLatLon(lat, lon, (i * 360) / 20, 70 + r() * 60);
    ring.push([vlon, vlat]);
  }
  ring.push(ring[0]!);
  return ring;
}

interface EngineRun {
  pps: number;
  events: number;
  /** Upserting the fences, and then compiling every grid cell (FenceIndex.prepare), ms. */
  loadMs: number;
  prepareMs: number;
}

function engineRun(rings: LonLat[][], points: Float64Array): EngineRun {
  const opts: GeofenceOptions = { maxMarginM: 25 };
  if (args['cell-size'] !== undefined) opts.cellSizeM = Number(args['cell-size']);
  const loadStart = performance.now();
  const state = createGeofenceState(opts, new FleetDirectory());
  rings.forEach((ring, i) => upsertFence(state, 'bench', { id: `f${i}`, siteId: null, shape: { type: 'polygon', coordinates: [ring] } }));
  const prepareStart = performance.now();
  // Index build, like PostGIS's CREATE INDEX: compile every grid cell now rather than on the first fix there.
  if (!args.lazy) state.tenants.get('bench')!.index.prepare();
  const loadMs = prepareStart - loadStart;
  const prepareMs = performance.now() - prepareStart;
  const out: GeofenceEvent[] = [];
  const fix: FixInput = { tenantId: 'bench', deviceId: '', ts: 0, lat: 0, lon: 0, accuracy: 5 };
  const deviceIds = Array.from({ length: DEVICES }, (_, i) => `d${i}`);
  let events = 0;
  const n = points.length / 2;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    fix.deviceId = deviceIds[i % DEVICES]!;
    fix.ts = 1_795_000_000_000 + i;
    fix.lat = points[2 * i]!;
    fix.lon = points[2 * i + 1]!;
    events += stepGeofence(state, fix, out);
    out.length = 0;
  }
  return { pps: n / ((performance.now() - t0) / 1000), events, loadMs, prepareMs };
}

/** Loads the fences into a fresh table with its GiST index; returns how long that took, ms. */
async function postgisLoad(client: pg.Client, rings: LonLat[][]): Promise<number> {
  const t0 = performance.now();
  await client.query('DROP TABLE IF EXISTS fences');
  await client.query('CREATE TABLE fences (id text PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)');
  for (let i = 0; i < rings.length; i += 2000) {
    const chunk = rings.slice(i, i + 2000);
    await client.query(
      `INSERT INTO fences (id, geom) SELECT id, ST_GeomFromGeoJSON(g) FROM unnest($1::text[], $2::text[]) AS u(id, g)`,
      [chunk.map((_, j) => `f${i + j}`), chunk.map((ring) => JSON.stringify({ type: 'Polygon', coordinates: [ring] }))],
    );
  }
  await client.query('CREATE INDEX fences_gist ON fences USING gist (geom)');
  await client.query('ANALYZE fences');
  return performance.now() - t0;
}

/** Points/s for `count` points sent `batch` at a time, each batch one query joining them to the fences they are in. */
async function postgisRun(client: pg.Client, points: Float64Array, batch: number, count: number): Promise<number> {
  const lats: number[] = [];
  const lons: number[] = [];
  let done = 0;
  const t0 = performance.now();
  for (let start = 0; start + batch <= count; start += batch) {
    lats.length = 0;
    lons.length = 0;
    for (let i = start; i < start + batch; i++) {
      lats.push(points[2 * i]!);
      lons.push(points[2 * i + 1]!);
    }
    await client.query(
      `SELECT p.i, f.id FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lat, lon, i)
       JOIN fences f ON ST_Contains(f.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))`,
      [lats, lons],
    );
    done += batch;
  }
  return done / ((performance.now() - t0) / 1000);
}

async function openPostgis(): Promise<pg.Client | null> {
  if (args['no-postgis']) return null;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  try {
    await client.connect();
    const [ext] = (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).rows;
    if (!ext) throw new Error('the postgis extension is not installed (Debian: postgresql-15-postgis-3)');
    await client.query('DROP SCHEMA IF EXISTS bench_geofence CASCADE; CREATE SCHEMA bench_geofence');
    await client.query('SET search_path TO bench_geofence');
    await client.query('CREATE EXTENSION postgis SCHEMA bench_geofence');
    return client;
  } catch (err) {
    console.log(`  PostGIS comparison skipped: ${(err as Error).message}`);
    await client.end().catch(() => undefined);
    return null;
  }
}

async function main() {
  // Vehicles drive, they do not teleport: each device moves 10 m per fix (36 km/h, 1 Hz), turning now and then,
  // and fix i belongs to device i mod DEVICES. Random points would make nearly every fix an enter/exit event.
  const r = rng(42);
  const points = new Float64Array(POINTS * 2);
  const pos = Array.from({ length: DEVICES }, () => ({ p: randomPoint(r), heading: r() * 360 }));
  for (let i = 0; i < POINTS; i++) {
    const d = pos[i % DEVICES]!;
    if (r() < 0.02) d.heading = (d.heading + 90 * (r() < 0.5 ? 1 : -1) + 360) % 360;
    d.p = offsetLatLon(d.p[0], d.p[1], d.heading, 10);
    points[2 * i] = d.p[0];
    points[2 * i + 1] = d.p[1];
  }
  const cell = args['cell-size'] === undefined ? 'default cells' : `${args['cell-size']} m cells`;
  console.log(
    `bench/geofence: ${fmt(POINTS)} fixes from ${DEVICES} vehicles driving at 36 km/h (1 Hz) over a 25 × 25 km area, ` +
      `20-vertex polygons ~200 m across, ${cell}, median of ${RUNS} runs, one core`,
  );
  const postgis = await openPostgis();
  try {
    for (const count of FENCE_COUNTS) {
      const fr = rng(1000 + count);
      const rings = Array.from({ length: count }, () => polygon(fr));
      const runs = Array.from({ length: RUNS }, () => engineRun(rings, points));
      const pps = median(runs.map((x) => x.pps));
      console.log(
        `  ${fmt(count).padStart(7)} fences: engine ${fmt(pps).padStart(10)} points/s (runs ${runs.map((x) => fmt(x.pps)).join(', ')}; ` +
          `${fmt(runs[0]!.events)} enter/exit events; fences loaded in ${fmt(median(runs.map((x) => x.loadMs)))} ms, ` +
          (args.lazy ? 'cells compiled on first visit, inside the timing)' : `grid cells compiled in ${fmt(median(runs.map((x) => x.prepareMs)))} ms)`),
      );
      if (postgis) {
        const loadMs = await postgisLoad(postgis, rings);
        await postgisRun(postgis, points, 1000, 1000); // warm-up: plan, caches
        const byBatch = [];
        for (const batch of POSTGIS_BATCHES) byBatch.push({ batch, pps: await postgisRun(postgis, points, batch, Math.max(batch, POSTGIS_POINTS)) });
        const best = byBatch.reduce((a, b) => (b.pps > a.pps ? b : a));
        const single = await postgisRun(postgis, points, 1, POSTGIS_SINGLE_POINTS);
        console.log(
          `  ${''.padStart(7)}         PostGIS ${fmt(best.pps).padStart(9)} points/s (${byBatch.map((b) => `${fmt(b.pps)} in batches of ${fmt(b.batch)}`).join(', ')}; ` +
            `table + GiST built in ${fmt(loadMs)} ms) → engine ${fmt(pps / best.pps, 0)}× PostGIS`,
        );
        console.log(
          `  ${''.padStart(7)}         (PostGIS one query per fix: ${fmt(single)} points/s → engine ${fmt(pps / single, 0)}× that)`,
        );
      }
      if (count === 10_000) {
        console.log(`  ${''.padStart(7)}         target at 10,000 fences ≥ ${fmt(TARGET_PPS_AT_10K)} points/s: ${pps >= TARGET_PPS_AT_10K ? 'MET' : 'NOT MET'} (${fmt(pps / TARGET_PPS_AT_10K, 2)}×)`);
      }
    }
  } finally {
    if (postgis) {
      await postgis.query('DROP SCHEMA bench_geofence CASCADE');
      await postgis.end();
    }
  }
}

await main();

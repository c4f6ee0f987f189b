/**
 * bench/geofence — points/s through the geofence engine (stream-processors' grid index + exact test + per-device
 * enter/exit state) against 1,000 / 10,000 / 100,000 realistic fences (20-vertex polygons ~200 m across, spread over a
 * 25 × 25 km metro area), on one core; and the same points through PostGIS (ST_Contains, GiST index, 1,000-point
 * batches) on this machine's PostgreSQL when the extension is available. Prints medians of 3 runs and the ratio.
 * Usage: npm run bench:geofence -- [--fences 1000,10000,100000] [--points 1000000] [--runs 3] [--no-postgis]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { GeofenceEvent, LonLat } from '@fieldtrace/protocol';
import { offsetLatLon } from '@fieldtrace/protocol';
import { createGeofenceState, stepGeofence, upsertFence, FleetDirectory, type FixInput } from '@fieldtrace/stream-processors';
import { seededRandom } from '@fieldtrace/testkit';
import { median, fmt } from './stats.js';

const { values: args } = parseArgs({
  options: {
    fences: { type: 'string', default: '1000,10000,100000' },
    points: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'no-postgis': { type: 'boolean', default: false },
  },
});
const FENCE_COUNTS = args.fences.split(',').map(Number);
const POINTS = Number(args.points);
const RUNS = Number(args.runs);
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

function engineRun(rings: LonLat[][], points: Float64Array): { pps: number; events: number } {
  const state = createGeofenceState({ maxMarginM: 25 }, new FleetDirectory());
  rings.forEach((ring, i) => upsertFence(state, 'bench', { id: `f${i}`, siteId: null, shape: { type: 'polygon', coordinates: [ring] } }));
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
  return { pps: n / ((performance.now() - t0) / 1000), events };
}

async function postgisRun(client: pg.Client, rings: LonLat[][], points: Float64Array, batches: number): Promise<number> {
  await client.query('TRUNCATE fences');
  for (let i = 0; i < rings.length; i += 2000) {
    const chunk = rings.slice(i, i + 2000);
    await client.query(
      `INSERT INTO fences (id, geom) SELECT id, ST_GeomFromGeoJSON(g) FROM unnest($1::text[], $2::text[]) AS u(id, g)`,
      [chunk.map((_, j) => `f${i + j}`), chunk.map((ring) => JSON.stringify({ type: 'Polygon', coordinates: [ring] }))],
    );
  }
  await client.query('ANALYZE fences');
  const lats: number[] = [];
  const lons: number[] = [];
  const t0 = performance.now();
  let done = 0;
  for (let b = 0; b < batches; b++) {
    lats.length = 0;
    lons.length = 0;
    for (let i = 0; i < 1000; i++) {
      lats.push(points[2 * (b * 1000 + i)]!);
      lons.push(points[2 * (b * 1000 + i) + 1]!);
    }
    await client.query(
      `SELECT p.i, f.id FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lat, lon, i)
       JOIN fences f ON ST_Contains(f.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))`,
      [lats, lons],
    );
    done += 1000;
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
    await client.query('CREATE TABLE fences (id text PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)');
    await client.query('CREATE INDEX fences_gist ON fences USING gist (geom)');
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
  console.log(`bench/geofence: ${fmt(POINTS)} fixes from ${DEVICES} vehicles driving at 36 km/h (1 Hz) over a 25 × 25 km area, 20-vertex polygons ~200 m across, ${RUNS} runs, one core`);
  const postgis = await openPostgis();
  try {
    for (const count of FENCE_COUNTS) {
      const fr = rng(1000 + count);
      const rings = Array.from({ length: count }, () => polygon(fr));
      const runs = Array.from({ length: RUNS }, () => engineRun(rings, points));
      const pps = median(runs.map((x) => x.pps));
      let line = `  ${fmt(count).padStart(7)} fences: engine ${fmt(pps).padStart(10)} points/s (runs ${runs.map((x) => fmt(x.pps)).join(', ')}; ${fmt(runs[0]!.events)} enter/exit events)`;
      if (postgis) {
        const gis = await postgisRun(postgis, rings, points, 20);
        line += `; PostGIS ${fmt(gis)} points/s (20 batches of 1,000) → engine ${fmt(pps / gis, 0)}× PostGIS`;
      }
      if (count === 10_000) line += `  [target ≥ ${fmt(TARGET_PPS_AT_10K)}: ${pps >= TARGET_PPS_AT_10K ? 'MET' : 'NOT MET'}]`;
      console.log(line);
    }
  } finally {
    if (postgis) {
      await postgis.query('DROP SCHEMA bench_geofence CASCADE');
      await postgis.end();
    }
  }
}

await main();

/**
 * bench/eta — accuracy of stream-processors' ETA on real bus traces (../shared/fixtures/trajectories, see its
 * README): Arriva route 14 in Liverpool (16 trips of 8 buses, 2026-01-26, ~24 s sampling, no stop list: the trip's
 * end is the target) and one ride on the 304 in Limerick (a passenger's 1 Hz GPX, 2019-02-18, with the route's 36
 * stops in a GeoPackage). At every fix of an evaluated trip, the arrival at each place the bus reaches later is
 * predicted and compared with when it got there; errors are grouped by the actual time to go.
 *
 * Models: 'baseline' (the issue's): straight-line distance ÷ the trip's own average speed so far (the training
 * fleet's average until the trip has 2 min / 200 m behind it). 'fixed speed': straight line ÷ the training fleet's
 * average speed (a stronger baseline on a single bus line). 'learned, great circle': stepEta's estimate with no
 * route (straight line × learned detour factor through the learned cell speeds, the bus's recent speed for the
 * first minutes). 'learned, route': the same along a planned route. The learned models learn online from every
 * fix replayed before the prediction, as in production.
 * Schemes: Liverpool leave-one-bus-out and a time split; Limerick, having one ride, starts from the profile learned
 * on all of Liverpool (only the fleet-wide speed and detour factor carry over to another city) and learns online.
 * Then the cost of the hot path: stepEta fixes/s with a route and a job per bus, and estimateEta µs/call.
 * Usage: npm run bench:eta -- [--runs 3]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import initSqlJs from 'sql.js';
import { haversineM, type EtaUpdate, type LonLat } from '@fieldtrace/protocol';
import {
  arrivals,
  createEtaState,
  ErrorTally,
  ETA_MODELS,
  estimateEta,
  FleetDirectory,
  meanTripSpeedMs,
  profileOf,
  replayAccuracy,
  setVehicleRoute,
  stepEta,
  TIME_TO_GO_BUCKETS,
  type EtaModel,
  type EtaOptions,
  type FixInput,
  type ReplayTrip,
  type TrackFix,
} from '@fieldtrace/stream-processors';
import type { ProfileSnapshot } from '@fieldtrace/travel-time';
import { sharedFixture } from '@fieldtrace/testkit';
import { fmt, median } from './stats.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(args.runs);

/** stream-processors' configuration defaults (config.ts), but an update at every fix: the bench wants every estimate. */
const ETA_OPTIONS: EtaOptions = { detourFactor: 1.3, defaultSpeedMs: 8.3, minChangeS: 120, maxSilenceS: 30, minIntervalS: 5 };
/** A bus "arrives" at a stop or its trip's end at its first fix this close, m. */
const ARRIVAL_RADIUS_M = 30;
const MODEL_LABELS: Record<EtaModel, string> = {
  baseline: 'baseline: straight line ÷ trip speed so far',
  fixedSpeed: 'straight line ÷ fleet mean speed',
  greatCircle: 'learned, great circle × detour',
  route: 'learned, along planned route',
};

interface Trip {
  vehicleId: string;
  tripId: string;
  fixes: TrackFix[];
}

/** route14_outbound.csv: id,vehicle_id,trip_id,timestamp,latitude,longitude,bearing,... (no quoted commas). */
function loadLiverpool(): Trip[] {
  const lines = readFileSync(sharedFixture('fixtures/trajectories/liverpool-route14-outbound.csv'), 'utf8').trim().split('\n');
  const trips = new Map<string, Trip>();
  for (const line of lines.slice(1)) {
    const c = line.split(',').map((s) => s.replace(/^"|"$/g, ''));
    const key = `${c[1]}/${c[2]}`;
    let trip = trips.get(key);
    if (!trip) trips.set(key, (trip = { vehicleId: c[1]!, tripId: c[2]!, fixes: [] }));
    trip.fixes.push({ ts: Date.parse(`${c[3]!.replace(' ', 'T')}Z`), lat: Number(c[4]), lon: Number(c[5]) });
  }
  for (const t of trips.values()) t.fixes.sort((a, b) => a.ts - b.ts);
  return [...trips.values()].sort((a, b) => a.fixes[0]!.ts - b.fixes[0]!.ts);
}

function loadLimerickRide(): TrackFix[] {
  const gpx = readFileSync(sharedFixture('fixtures/trajectories/limerick-304-2019-02-18.gpx'), 'utf8');
  const fixes: TrackFix[] = [];
  for (const m of gpx.matchAll(/<trkpt lat="([^"]+)" lon="([^"]+)">[\s\S]*?<time>([^<]+)<\/time>/g)) {
    fixes.push({ lat: Number(m[1]), lon: Number(m[2]), ts: Date.parse(m[3]!) });
  }
  return fixes;
}

/** Stops of the GeoPackage: GeoPackage binary header (8 bytes + an envelope its flags size), then a WKB point. */
async function loadLimerickStops(): Promise<Array<{ lat: number; lon: number; name: string }>> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(sharedFixture('fixtures/trajectories/limerick-304-stops.gpkg')));
  try {
    const [result] = db.exec('SELECT geom, stop_name FROM stops_304_to_ul');
    return result!.values.map(([geom, name]) => {
      const b = geom as Uint8Array;
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const envelopeBytes = [0, 32, 48, 48, 64][(b[3]! >> 1) & 7]!;
      const wkb = 8 + envelopeBytes;
      const little = b[wkb] === 1;
      if (view.getUint32(wkb + 1, little) !== 1) throw new Error('stop geometry is not a WKB point');
      return { lon: view.getFloat64(wkb + 5, little), lat: view.getFloat64(wkb + 13, little), name: String(name) };
    });
  } finally {
    db.close();
  }
}

/**
 * The GPX is a passenger's phone (Strava): it starts with the passenger waiting at the stop, which is not the bus.
 * The ride is taken from the last fix before the track first leaves 50 m around where it started.
 */
function onceMoving(fixes: readonly TrackFix[]): TrackFix[] {
  const first = fixes[0]!;
  const leaves = fixes.findIndex((f) => haversineM(first.lat, first.lon, f.lat, f.lon) > 50);
  return fixes.slice(Math.max(0, leaves - 1));
}

function routeOf(fixes: readonly TrackFix[]): LonLat[] {
  return fixes.map((f) => [f.lon, f.lat]);
}

function pathLengthM(fixes: readonly TrackFix[]): number {
  let m = 0;
  for (let i = 1; i < fixes.length; i++) m += haversineM(fixes[i - 1]!.lat, fixes[i - 1]!.lon, fixes[i]!.lat, fixes[i]!.lon);
  return m;
}

/** A Liverpool trip to evaluate: its end (where it first got within ARRIVAL_RADIUS_M of its last fix) as target. */
function evaluated(t: Trip, route: LonLat[]): ReplayTrip {
  const end = t.fixes.at(-1)!;
  return { vehicleId: t.vehicleId, fixes: t.fixes, targets: arrivals(t.fixes, [end], ARRIVAL_RADIUS_M), route };
}

function training(t: Trip): ReplayTrip {
  return { vehicleId: t.vehicleId, fixes: t.fixes, targets: [], route: null };
}

/** The route the buses of route 14 drive: the longest training trip's track (a timetable's shape would do). */
function longestRoute(trips: readonly Trip[]): LonLat[] {
  return routeOf(trips.reduce((a, b) => (pathLengthM(b.fixes) > pathLengthM(a.fixes) ? b : a)).fixes);
}

/** Leave one vehicle out: train on the other 7 buses' trips (whole evening), evaluate on this bus's trips. */
function liverpoolByVehicle(trips: readonly Trip[]): { tally: ErrorTally; predictions: number } {
  const tally = new ErrorTally();
  let predictions = 0;
  for (const vehicle of new Set(trips.map((t) => t.vehicleId))) {
    const train = trips.filter((t) => t.vehicleId !== vehicle);
    const route = longestRoute(train);
    const replay = [...train.map(training), ...trips.filter((t) => t.vehicleId === vehicle).map((t) => evaluated(t, route))];
    predictions += replayAccuracy(replay, { eta: ETA_OPTIONS, fixedSpeedMs: meanTripSpeedMs(train.map(training)) }, tally).predictions;
  }
  return { tally, predictions };
}

/** Time split: trips that started before 17:00 UTC teach; the later ones are evaluated, everything replayed in time order. */
function liverpoolByTime(trips: readonly Trip[], splitTs: number): { tally: ErrorTally; predictions: number; train: number; test: number } {
  const train = trips.filter((t) => t.fixes[0]!.ts < splitTs);
  const test = trips.filter((t) => t.fixes[0]!.ts >= splitTs);
  const route = longestRoute(train);
  const tally = new ErrorTally();
  const replay = [...train.map(training), ...test.map((t) => evaluated(t, route))];
  const { predictions } = replayAccuracy(replay, { eta: ETA_OPTIONS, fixedSpeedMs: meanTripSpeedMs(train.map(training)) }, tally);
  return { tally, predictions, train: train.length, test: test.length };
}

function printTally(title: string, tally: ErrorTally): void {
  console.log(`\n  ${title}`);
  const head = ['time to go', ...TIME_TO_GO_BUCKETS.map((b) => b.label), 'all'];
  console.log(`    ${'model (MAE / p90, min)'.padEnd(44)}${head.slice(1).map((h) => h.padStart(16)).join('')}`);
  const base = tally.summary('baseline');
  const fixed = tally.summary('fixedSpeed');
  const gain = (label: string, s: ReturnType<ErrorTally['summary']>, ref: ReturnType<ErrorTally['summary']>) =>
    console.log(`    ${label.padEnd(44)}${s.map((x, i) => `${pct(ref[i]!.maeS, x.maeS)} / ${pct(ref[i]!.p90S, x.p90S)}`.padStart(16)).join('')}`);
  for (const model of ETA_MODELS) {
    const s = tally.summary(model);
    console.log(`    ${MODEL_LABELS[model].padEnd(44)}${s.map((x) => `${fmt(x.maeS / 60, 1)} / ${fmt(x.p90S / 60, 1)}`.padStart(16)).join('')}`);
    if (model !== 'baseline') gain('  vs baseline', s, base);
    if (model === 'greatCircle' || model === 'route') gain('  vs straight line ÷ fleet speed', s, fixed);
  }
  const bias = ETA_MODELS.map((m) => `${m} ${fmt(tally.summary(m).at(-1)!.biasS / 60, 1)}`).join(', ');
  console.log(`    mean signed error, all buckets (min, + = predicted later than it came): ${bias}`);
  console.log(`    ${'predictions'.padEnd(44)}${base.map((x) => fmt(x.count).padStart(16)).join('')}`);
}

function pct(baseline: number, model: number): string {
  return Number.isFinite(baseline) && baseline > 0 ? `${model <= baseline ? '−' : '+'}${fmt((Math.abs(baseline - model) / baseline) * 100, 0)}%` : 'n/a';
}

/**
 * stepEta over the Liverpool evening, 40 times, with every bus on the planned route and a job at its terminus
 * (an estimate at every fix 5 s after the last update, which at ~24 s sampling is nearly every fix).
 */
function hotPath(trips: readonly Trip[], snapshot: ProfileSnapshot): { fixesPerS: number; estimateUs: number } {
  const directory = new FleetDirectory();
  const tenant = directory.ensure('bench');
  const vehicles = [...new Set(trips.map((t) => t.vehicleId))];
  tenant.replaceDevices(vehicles.map((id) => ({ id, vehicleId: id })));
  const end = trips[0]!.fixes.at(-1)!;
  tenant.replaceSites([{ id: 'terminus', lat: end.lat, lon: end.lon, geofenceId: null, arrivalRadiusM: 60 }]);
  tenant.replaceJobs(vehicles.map((v) => ({ id: `j-${v}`, siteId: 'terminus', vehicleId: v, status: 'assigned' as const, routeOrder: 1, windowStart: null })));
  const state = createEtaState(ETA_OPTIONS, directory);
  profileOf(state, 'bench').load(snapshot);
  const route = longestRoute(trips);
  for (const v of vehicles) setVehicleRoute(state, 'bench', v, route);
  const fixes = trips.flatMap((t) => t.fixes.map((f) => ({ ...f, vehicleId: t.vehicleId }))).sort((a, b) => a.ts - b.ts);
  const out: EtaUpdate[] = [];
  const input: FixInput = { tenantId: 'bench', deviceId: '', ts: 0, lat: 0, lon: 0 };
  const REPEAT = 40;
  const t0 = performance.now();
  for (let r = 0; r < REPEAT; r++) {
    // Each repeat a day later, so every fix is new to the core.
    const shift = r * 86_400_000;
    for (const f of fixes) {
      input.deviceId = f.vehicleId;
      input.ts = f.ts + shift;
      input.lat = f.lat;
      input.lon = f.lon;
      stepEta(state, input, out);
      out.length = 0;
    }
  }
  const fixesPerS = (fixes.length * REPEAT) / ((performance.now() - t0) / 1000);
  const t1 = performance.now();
  let calls = 0;
  for (let r = 0; r < 200; r++) {
    for (const v of vehicles) {
      estimateEta(state, 'bench', v, end.lat, end.lon, 0);
      calls++;
    }
  }
  return { fixesPerS, estimateUs: ((performance.now() - t1) * 1000) / calls };
}

async function main(): Promise<void> {
  const liverpool = loadLiverpool();
  const ride = loadLimerickRide();
  const stops = await loadLimerickStops();
  console.log(`bench/eta: ${liverpool.length} Liverpool route-14 trips (${new Set(liverpool.map((t) => t.vehicleId)).size} buses, ${fmt(liverpool.reduce((n, t) => n + t.fixes.length, 0))} fixes); Limerick 304: ${fmt(ride.length)} fixes, ${stops.length} stops`);
  console.log(`  arrival = first fix within ${ARRIVAL_RADIUS_M} m of the stop / trip end; errors |predicted − actual| grouped by actual time to go`);

  const figures: Array<Record<string, number>> = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const byVehicle = liverpoolByVehicle(liverpool);
    const splitTs = Date.parse('2026-01-26T17:00:00Z');
    const byTime = liverpoolByTime(liverpool, splitTs);

    // Limerick: one ride, so nothing of it can be held out for training. The profile is the one learned from all
    // 16 Liverpool trips (its cells are elsewhere: only the fleet-wide speed and detour factor carry over), then
    // learns online from the ride's own past fixes. Its planned route: the stops in the order the bus serves them.
    const passed = arrivals(ride, stops, ARRIVAL_RADIUS_M);
    const boarded = onceMoving(ride);
    const liverpoolProfile = replayAccuracy(liverpool.map(training), { eta: ETA_OPTIONS, fixedSpeedMs: 1 }, new ErrorTally()).snapshot;
    const limerick = new ErrorTally();
    const limerickTrip: ReplayTrip = { vehicleId: '304', fixes: boarded, targets: passed, route: passed.map((s) => [s.lon, s.lat]) };
    const fleetMs = meanTripSpeedMs(liverpool.map(training));
    replayAccuracy([limerickTrip], { eta: ETA_OPTIONS, preload: liverpoolProfile, fixedSpeedMs: fleetMs }, limerick);
    const accuracyS = (performance.now() - t0) / 1000;
    const hot = hotPath(liverpool, liverpoolProfile);

    if (run === 0) {
      printTally(`Liverpool, leave one bus out (8 folds: train on the other 7 buses' trips, evaluate this bus's): ${fmt(byVehicle.predictions)} predictions`, byVehicle.tally);
      printTally(`Liverpool, time split (train: ${byTime.train} trips that started before 17:00 UTC; evaluate: the ${byTime.test} later ones, replayed in time order)`, byTime.tally);
      printTally(`Limerick 304, ${passed.length} of ${stops.length} stops reached (profile from all Liverpool trips + online from the ride; route = stops in order)`, limerick);
      const waitS = (boarded[0]!.ts - ride[0]!.ts) / 1000;
      console.log(`\n  Limerick: the passenger's first ${fmt(waitS / 60, 1)} min waiting at the stop are left out; fleet mean speed (fixed-speed model) ${fmt(fleetMs, 2)} m/s`);
    }
    const all = (t: ErrorTally, model: EtaModel) => t.summary(model).at(-1)!.maeS;
    const figure: Record<string, number> = { accuracyS, fixesPerS: hot.fixesPerS, estimateUs: hot.estimateUs };
    for (const [name, tally] of [['Liverpool, leave one bus out', byVehicle.tally], ['Liverpool, time split', byTime.tally], ['Limerick', limerick]] as const) {
      for (const model of ETA_MODELS) figure[`${name}|${model}`] = all(tally, model);
    }
    figures.push(figure);
  }
  const m = (k: string) => median(figures.map((f) => f[k]!));
  console.log(`\n  medians of ${RUNS} runs (the accuracy figures are deterministic), MAE over all buckets, min:`);
  for (const name of ['Liverpool, leave one bus out', 'Liverpool, time split', 'Limerick']) {
    console.log(`    ${name.padEnd(30)}${ETA_MODELS.map((model) => `${model} ${fmt(m(`${name}|${model}`) / 60, 2)}`).join(', ')}`);
  }
  console.log(`    replay + predictions: ${fmt(m('accuracyS'), 2)} s per run`);
  console.log(`    hot path: stepEta ${fmt(m('fixesPerS'))} fixes/s (learning, route tracking, a job per bus, one core); estimateEta ${fmt(m('estimateUs'), 1)} µs/call along the route`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

import { offsetLatLon, type DeviceStatus, type GpsFix } from '@fieldtrace/protocol';
import { shortestPath } from '../osm/astar.js';
import type { RoadGraph } from '../osm/road-graph.js';
import { driveStep, MAX_STEP_MS, startDrive, type DriveState } from './drive.js';
import { constellation, createGpsError, observe, round, updateGpsError, type GpsErrorState } from './gps.js';
import { Outbox } from './outbox.js';
import { buildRoute, pointAt } from './route.js';
import type { Rng } from './rng.js';

export interface TruckModelConfig {
  fixIntervalMs: number;
  /** Chance per minute that the cellular link drops (0.02 = 2 %/min). */
  gapPerMin: number;
  gapMinMs: number;
  gapMaxMs: number;
  /** Store-and-forward buffer size, messages. */
  outboxLimit: number;
  statusIntervalMs: number;
  /** Chance that a junction on the route holds the truck for 5–40 s. */
  stopChance: number;
  dwellMinMs: number;
  dwellMaxMs: number;
  firmware: string;
}

export const DEFAULT_TRUCK_MODEL: TruckModelConfig = {
  fixIntervalMs: 1000,
  gapPerMin: 0.02,
  gapMinMs: 20_000,
  gapMaxMs: 120_000,
  outboxLimit: 10_000,
  statusIntervalMs: 60_000,
  stopChance: 0.1,
  // Longer than the site fences' two-minute arrival dwell, so each visit starts its job on the map.
  dwellMinMs: 150_000,
  dwellMaxMs: 420_000,
  firmware: 'fieldtrace-sim/0.1.0',
};

export interface TruckSite {
  id: string;
  node: number;
  lat: number;
  lon: number;
}

export interface Truck {
  readonly deviceId: string;
  readonly vehicleId: string;
  readonly graph: RoadGraph;
  readonly config: TruckModelConfig;
  /** Job sites in route order, then random `anySites` forever. */
  readonly jobs: readonly TruckSite[];
  readonly anySites: readonly TruckSite[];
  phase: 'parked' | 'driving';
  /** True position (the fixes add GNSS error to it). */
  lat: number;
  lon: number;
  /** Graph node the truck left from or parked next to. */
  node: number;
  heading: number;
  speed: number;
  drive: DriveState | null;
  destination: TruckSite | null;
  nextJob: number;
  parkedUntil: number;
  arrivals: { siteId: string; at: number; jobIndex: number | null }[];
  seq: number;
  nextFixAt: number;
  nextStatusAt: number;
  readonly bootedAt: number;
  readonly gps: GpsErrorState;
  readonly link: { up: boolean; downUntil: number; gaps: number };
  readonly outbox: Outbox;
  fixes: number;
}

export interface TruckInit {
  deviceId: string;
  vehicleId: string;
  graph: RoadGraph;
  startNode: number;
  jobs: readonly TruckSite[];
  anySites: readonly TruckSite[];
  /** First seq this device uses; above any seq it used before so ingest's (device, seq) dedup keeps working. */
  seqStart: number;
  now: number;
  config?: Partial<TruckModelConfig>;
}

export function createTruck(init: TruckInit, rng: Rng): Truck {
  const config = { ...DEFAULT_TRUCK_MODEL, ...init.config };
  const { graph, startNode } = init;
  return {
    deviceId: init.deviceId,
    vehicleId: init.vehicleId,
    graph,
    config,
    jobs: init.jobs,
    anySites: init.anySites,
    phase: 'parked',
    lat: graph.lat[startNode]!,
    lon: graph.lon[startNode]!,
    node: startNode,
    heading: rng.range(0, 360),
    speed: 0,
    drive: null,
    destination: null,
    nextJob: 0,
    // Staggered departures: a fleet does not leave the depot in the same second.
    parkedUntil: init.now + rng.range(0, 30_000),
    arrivals: [],
    seq: init.seqStart,
    nextFixAt: init.now + Math.floor(rng.range(0, config.fixIntervalMs)),
    nextStatusAt: init.now,
    bootedAt: init.now,
    gps: createGpsError(rng),
    link: { up: true, downUntil: 0, gaps: 0 },
    outbox: new Outbox(config.outboxLimit),
    fixes: 0,
  };
}

/**
 * Moves the truck model from `now - dtMs` to `now` (event time, Unix ms): drives, parks, loses and regains its
 * link, and appends every message born in that interval to its outbox with the time it was born.
 */
export function advance(truck: Truck, dtMs: number, now: number, rng: Rng): void {
  let t = now - dtMs;
  while (t < now) {
    // Substeps end exactly on message birth times, so each message carries the position and time it describes.
    const end = Math.min(now, t + MAX_STEP_MS, Math.max(Math.min(truck.nextFixAt, truck.nextStatusAt), t + 1));
    step(truck, end - t, end, rng);
    t = end;
    while (truck.nextFixAt <= t) {
      emitFix(truck, truck.nextFixAt, rng);
      truck.nextFixAt += truck.config.fixIntervalMs;
    }
    while (truck.nextStatusAt <= t) {
      emitStatus(truck, truck.nextStatusAt, rng);
      truck.nextStatusAt += truck.config.statusIntervalMs;
    }
  }
}

function step(truck: Truck, dtMs: number, t: number, rng: Rng): void {
  updateLink(truck, dtMs, t, rng);
  updateGpsError(truck.gps, dtMs, t, rng);
  if (truck.phase === 'parked') {
    if (t < truck.parkedUntil) return;
    depart(truck, t, rng);
    if (truck.phase === 'parked') return;
  }
  const drive = truck.drive!;
  const outcome = driveStep(drive, dtMs, t);
  const p = pointAt(drive.route, drive.s, drive.segment);
  truck.lat = p.lat;
  truck.lon = p.lon;
  truck.speed = drive.v;
  if (drive.v > 0.5) truck.heading = drive.route.segmentHeading[drive.segment]!;
  if (outcome === 'arrived') park(truck, t, rng);
}

function depart(truck: Truck, t: number, rng: Rng): void {
  const destination = chooseDestination(truck, rng);
  const path = destination ? shortestPath(truck.graph, truck.node, destination.node) : null;
  if (!destination || !path) {
    // Nowhere reachable to go (never inside one strongly connected component): wait and try again.
    truck.parkedUntil = t + 60_000;
    return;
  }
  // Park 3–15 m from the site point: inside its 60 m fence, but not on top of it.
  const [parkLat, parkLon] = offsetLatLon(destination.lat, destination.lon, rng.range(0, 360), rng.range(3, 15));
  const from = truck.destination ? { lat: truck.lat, lon: truck.lon } : undefined;
  const route = buildRoute(truck.graph, path, rng, { from, to: { lat: parkLat, lon: parkLon }, stopChance: truck.config.stopChance });
  truck.drive = startDrive(route);
  truck.destination = destination;
  truck.phase = 'driving';
}

function chooseDestination(truck: Truck, rng: Rng): TruckSite | null {
  const job = truck.jobs[truck.nextJob];
  if (job) return job;
  const candidates = truck.anySites.filter((s) => s.node !== truck.node);
  return candidates.length > 0 ? rng.pick(candidates) : null;
}

function park(truck: Truck, t: number, rng: Rng): void {
  const destination = truck.destination!;
  const isJob = truck.jobs[truck.nextJob] === destination;
  truck.arrivals.push({ siteId: destination.id, at: t, jobIndex: isJob ? truck.nextJob : null });
  if (isJob) truck.nextJob++;
  truck.node = destination.node;
  truck.phase = 'parked';
  truck.speed = 0;
  truck.drive = null;
  truck.parkedUntil = t + rng.range(truck.config.dwellMinMs, truck.config.dwellMaxMs);
}

function updateLink(truck: Truck, dtMs: number, t: number, rng: Rng): void {
  const link = truck.link;
  if (!link.up) {
    if (t >= link.downUntil) link.up = true;
    return;
  }
  if (rng.chance(1 - Math.pow(1 - truck.config.gapPerMin, dtMs / 60_000))) {
    link.up = false;
    link.downUntil = t + rng.range(truck.config.gapMinMs, truck.config.gapMaxMs);
    link.gaps++;
  }
}

function emitFix(truck: Truck, ts: number, rng: Rng): void {
  const seen = observe(truck.gps, truck.lat, truck.lon);
  const { sats, hdop } = constellation(truck.gps, rng);
  const moving = truck.speed > 0.5;
  // A standing receiver still reports a few cm/s of speed from position noise, and holds its last course.
  const speed = moving ? Math.max(0, truck.speed + rng.gaussian() * 0.15) : Math.abs(rng.gaussian()) * 0.08;
  const heading = moving ? (truck.heading + rng.gaussian() * 1.5 + 360) % 360 : truck.heading;
  const fix: GpsFix = {
    v: 1,
    seq: truck.seq++,
    ts,
    lat: round(seen.lat, 7),
    lon: round(seen.lon, 7),
    accuracy: round(truck.gps.accuracy, 1),
    speed: round(speed, 2),
    heading: round(heading, 1) % 360,
    fix: '3d',
    sats,
    hdop,
  };
  truck.outbox.push({ kind: 'fix', message: fix });
  truck.fixes++;
}

function emitStatus(truck: Truck, ts: number, rng: Rng): void {
  const status: DeviceStatus = {
    v: 1,
    seq: truck.seq++,
    ts,
    firmware: truck.config.firmware,
    uptimeS: Math.floor((ts - truck.bootedAt) / 1000),
    backlog: truck.outbox.size,
    ignition: truck.phase === 'driving',
    rssiDbm: truck.link.up ? Math.round(rng.range(-95, -65)) : -120,
    // Alternator charging while the engine runs; resting battery voltage when it does not.
    batteryV: truck.phase === 'driving' ? round(rng.range(13.6, 14.2), 2) : round(rng.range(12.4, 12.8), 2),
  };
  truck.outbox.push({ kind: 'status', message: status });
}

/** Removes up to `max` messages to publish now; none while the simulated cellular link is down. */
export function takeSendable(truck: Truck, max: number) {
  return truck.link.up ? truck.outbox.take(max) : [];
}

import { haversineM, type LonLat } from '@fieldtrace/protocol';
import { shortestPath } from '../osm/astar.js';
import { isSiteFriendly } from '../osm/road-classes.js';
import { EDGE_TUNNEL, type RoadGraph } from '../osm/road-graph.js';
import { createRng, type Rng } from './rng.js';

export interface FleetSite {
  id: string;
  name: string;
  location: LonLat;
  radiusM: number;
  /** Graph node the site is snapped to. */
  node: number;
}
export interface FleetVehicle {
  id: string;
  name: string;
  kind: 'truck';
  /** Where the truck starts the day. */
  startNode: number;
}
export interface FleetDevice {
  id: string;
  kind: 'truck' | 'ground-station';
  vehicleId: string | null;
  /** Device profile in `firmware-configs/`. */
  profile: 'truck-default' | 'ground-station-default';
  /** The site a ground station surveys. */
  siteId: string | null;
}
export interface FleetJob {
  id: string;
  siteId: string;
  vehicleId: string;
  routeOrder: number;
  title: string;
  windowStart: number;
  windowEnd: number;
  status: 'assigned';
}
export interface Fleet {
  tenantId: string;
  sites: FleetSite[];
  vehicles: FleetVehicle[];
  devices: FleetDevice[];
  jobs: FleetJob[];
}

export interface FleetOptions {
  tenantId: string;
  trucks: number;
  seed: number;
  jobsPerTruck: number;
  graph: RoadGraph;
  /** Start of the simulated day, Unix ms: job windows are placed after it. */
  now: number;
  drones?: number;
  /** Defaults to one site per job. */
  sites?: number;
}

export const SITE_RADIUS_M = 60;
/** Sites closer than this would have overlapping 60 m fences and confuse arrival detection. */
const PREFERRED_SEPARATION_M = 150;
/** Planning assumptions for job windows: drivers average 80 % of the limit, dwell 150 s, traffic adds 20 %. */
const PLAN_SPEED_FACTOR = 0.8;
const PLAN_TRAFFIC_FACTOR = 1.2;
const PLAN_DWELL_MS = 285_000;
const WINDOW_HALF_MS = 15 * 60_000;
const MINUTE_MS = 60_000;

/** A deterministic fleet for a seed: the same sites, trucks, devices and jobs every run (given the same graph). */
export function generateFleet(options: FleetOptions): Fleet {
  const { graph, trucks, jobsPerTruck, tenantId } = options;
  const rng = createRng(options.seed);
  const siteCount = Math.max(1, options.sites ?? trucks * jobsPerTruck);
  const candidates = siteCandidates(graph);
  const sites = spreadSites(graph, candidates, siteCount, rng);
  const pad = (i: number) => String(i + 1).padStart(Math.max(2, String(trucks).length), '0');

  const vehicles: FleetVehicle[] = [];
  const devices: FleetDevice[] = [];
  const jobs: FleetJob[] = [];
  const deck = rng.shuffle(sites.map((_, i) => i));
  for (let t = 0; t < trucks; t++) {
    const id = `truck-${pad(t)}`;
    const startNode = candidates.length > 0 ? rng.pick(candidates) : rng.int(0, graph.nodeCount - 1);
    vehicles.push({ id, name: `Truck ${pad(t)}`, kind: 'truck', startNode });
    devices.push({ id: `dev-${id}`, kind: 'truck', vehicleId: id, profile: 'truck-default', siteId: null });
    const mine = Array.from({ length: jobsPerTruck }, (_, j) => sites[deck[(t * jobsPerTruck + j) % deck.length]!]!);
    let at = options.now;
    let from = startNode;
    orderByNearest(graph, startNode, mine).forEach((site, routeOrder) => {
      const path = shortestPath(graph, from, site.node);
      at += ((path?.timeS ?? 0) * 1000 * PLAN_TRAFFIC_FACTOR) / PLAN_SPEED_FACTOR;
      jobs.push({
        id: `job-${id}-${routeOrder + 1}`,
        siteId: site.id,
        vehicleId: id,
        routeOrder,
        title: `Snow clearing — ${site.name}`,
        windowStart: Math.floor((at - WINDOW_HALF_MS) / MINUTE_MS) * MINUTE_MS,
        windowEnd: Math.ceil((at + WINDOW_HALF_MS) / MINUTE_MS) * MINUTE_MS,
        status: 'assigned',
      });
      at += PLAN_DWELL_MS;
      from = site.node;
    });
  }
  const drones = options.drones ?? 1;
  for (let d = 0; d < drones; d++) {
    const site = sites[d % sites.length]!;
    devices.push({ id: `dev-gs-${pad(d)}`, kind: 'ground-station', vehicleId: null, profile: 'ground-station-default', siteId: site.id });
  }
  return { tenantId, sites, vehicles, devices, jobs };
}

/** Nodes where a job site can be: on residential/service-type streets, never in a tunnel. */
function siteCandidates(graph: RoadGraph): number[] {
  const out: number[] = [];
  for (let n = 0; n < graph.nodeCount; n++) {
    let ok = graph.offsets[n + 1]! > graph.offsets[n]!;
    for (let e = graph.offsets[n]!; ok && e < graph.offsets[n + 1]!; e++) {
      ok = isSiteFriendly(graph.roadClass[e]!) && (graph.edgeFlags[e]! & EDGE_TUNNEL) === 0;
    }
    if (ok) out.push(n);
  }
  return out;
}

/** Greedy spread: random candidates kept only if far from every kept site; the distance relaxes if the map is full. */
function spreadSites(graph: RoadGraph, candidates: number[], count: number, rng: Rng): FleetSite[] {
  const pool = rng.shuffle(candidates.length > 0 ? [...candidates] : Array.from({ length: graph.nodeCount }, (_, i) => i));
  const chosen: number[] = [];
  const taken = new Set<number>();
  for (let separation = PREFERRED_SEPARATION_M; chosen.length < count && separation >= 1; separation /= 2) {
    for (const node of pool) {
      if (chosen.length >= count) break;
      if (taken.has(node)) continue;
      const lat = graph.lat[node]!;
      const lon = graph.lon[node]!;
      if (chosen.some((c) => haversineM(lat, lon, graph.lat[c]!, graph.lon[c]!) < separation)) continue;
      chosen.push(node);
      taken.add(node);
    }
  }
  // A graph with fewer nodes than sites requested: reuse nodes rather than fail.
  for (let i = 0; chosen.length < count; i++) chosen.push(chosen[i % Math.max(1, chosen.length)] ?? 0);

  const usedNames = new Set<string>();
  return chosen.map((node, i) => {
    const id = `site-${String(i + 1).padStart(3, '0')}`;
    return { id, name: siteName(graph, node, id, usedNames, rng), location: [graph.lon[node]!, graph.lat[node]!], radiusM: SITE_RADIUS_M, node };
  });
}

/** "12 Boulevard des Moulins" from the street the site is on; the site id when the street has no name. */
function siteName(graph: RoadGraph, node: number, id: string, used: Set<string>, rng: Rng): string {
  let street: string | undefined;
  for (let e = graph.offsets[node]!; e < graph.offsets[node + 1]! && street === undefined; e++) {
    const name = graph.edgeName[e]!;
    if (name >= 0) street = graph.names[name];
  }
  if (street === undefined) return `Site ${id.slice(5)}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = `${rng.int(1, 60 + attempt * 10)} ${street}`;
    if (!used.has(candidate)) {
      used.add(candidate);
      return candidate;
    }
  }
  return `${street} (${id})`;
}

/** Visiting order: always the nearest remaining site, as a dispatcher would plan it by eye. */
function orderByNearest(graph: RoadGraph, start: number, sites: FleetSite[]): FleetSite[] {
  const left = [...sites];
  const out: FleetSite[] = [];
  let lat = graph.lat[start]!;
  let lon = graph.lon[start]!;
  while (left.length > 0) {
    let best = 0;
    for (let i = 1; i < left.length; i++) {
      if (haversineM(lat, lon, left[i]!.location[1], left[i]!.location[0]) < haversineM(lat, lon, left[best]!.location[1], left[best]!.location[0])) best = i;
    }
    const next = left.splice(best, 1)[0]!;
    out.push(next);
    [lon, lat] = next.location;
  }
  return out;
}

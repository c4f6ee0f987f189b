import { bearingDeg, haversineM } from '@fieldtrace/protocol';
import type { RoutePath } from '../osm/astar.js';
import { NODE_SIGNALS, type RoadGraph } from '../osm/road-graph.js';
import type { Rng } from './rng.js';

/**
 * A route as the truck model drives it: a polyline with, per segment, the speed this driver will aim for and,
 * per vertex, the speed at which the corner can be taken and how long the truck will stand there (traffic).
 */
export interface Route {
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  /** Distance from the start to each vertex, metres. */
  readonly cum: Float64Array;
  /** Target speed on segment i (vertex i → i+1), m/s: edge speed × this driver's 0.6–1.0 factor. */
  readonly segmentSpeed: Float32Array;
  readonly segmentHeading: Float32Array;
  /** Highest speed at which vertex i can be passed, m/s (Infinity on straight road). */
  readonly cornerSpeed: Float32Array;
  /** Time the truck stands at vertex i (junction traffic, signals), ms; 0 to pass through. */
  readonly holdMs: Float32Array;
  readonly lengthM: number;
}

export interface RouteOptions {
  /** Where the truck really is when it leaves the graph node (its parking spot); joined at manoeuvring speed. */
  from?: { lat: number; lon: number };
  /** Where it will park after the last node. */
  to?: { lat: number; lon: number };
  /** Chance that the truck has to stop at a junction; signals stop it at least three times as often. */
  stopChance: number;
}

/** Speed on the short off-road legs between the street and a parking spot, m/s (walking pace). */
export const MANOEUVRE_SPEED_MPS = 2.5;
const MIN_CORNER_MPS = 3;
const STRAIGHT_DEG = 15;

export function buildRoute(graph: RoadGraph, path: RoutePath, rng: Rng, options: RouteOptions): Route {
  const lat: number[] = [];
  const lon: number[] = [];
  const speed: number[] = [];
  const hold: number[] = [];
  const push = (vLat: number, vLon: number, holdMs: number, nextSegmentSpeed: number) => {
    const last = lat.length - 1;
    // Coincident vertices would make zero-length segments with undefined headings.
    if (last >= 0 && haversineM(lat[last]!, lon[last]!, vLat, vLon) < 0.05) {
      hold[last] = Math.max(hold[last]!, holdMs);
      speed[last] = nextSegmentSpeed;
      return;
    }
    lat.push(vLat);
    lon.push(vLon);
    hold.push(holdMs);
    speed.push(nextSegmentSpeed);
  };

  if (options.from) push(options.from.lat, options.from.lon, 0, MANOEUVRE_SPEED_MPS);
  for (let i = 0; i < path.nodes.length; i++) {
    const node = path.nodes[i]!;
    const edge = path.edges[i];
    const next = edge === undefined ? MANOEUVRE_SPEED_MPS : graph.speedMps[edge]! * rng.range(0.6, 1.0);
    const interior = i > 0 && i < path.nodes.length - 1;
    let holdMs = 0;
    if (interior && graph.neighbourCount[node]! > 2) {
      const chance = graph.nodeFlags[node]! & NODE_SIGNALS ? Math.min(1, options.stopChance * 3) : options.stopChance;
      if (rng.chance(chance)) holdMs = rng.range(5_000, 40_000);
    }
    push(graph.lat[node]!, graph.lon[node]!, holdMs, next);
  }
  if (options.to) push(options.to.lat, options.to.lon, 0, MANOEUVRE_SPEED_MPS);

  const n = lat.length;
  const route = {
    lat: Float64Array.from(lat),
    lon: Float64Array.from(lon),
    cum: new Float64Array(n),
    segmentSpeed: Float32Array.from(speed),
    segmentHeading: new Float32Array(n),
    cornerSpeed: new Float32Array(n).fill(Infinity),
    holdMs: Float32Array.from(hold),
    lengthM: 0,
  };
  for (let i = 1; i < n; i++) {
    route.cum[i] = route.cum[i - 1]! + haversineM(lat[i - 1]!, lon[i - 1]!, lat[i]!, lon[i]!);
    route.segmentHeading[i - 1] = bearingDeg(lat[i - 1]!, lon[i - 1]!, lat[i]!, lon[i]!);
  }
  if (n > 1) route.segmentHeading[n - 1] = route.segmentHeading[n - 2]!;
  for (let i = 1; i < n - 1; i++) {
    const turn = Math.abs(((route.segmentHeading[i]! - route.segmentHeading[i - 1]! + 540) % 360) - 180);
    // 90° → 6 m/s (~22 km/h), a U-turn → 3 m/s: what a loaded truck takes without tipping its load.
    if (turn > STRAIGHT_DEG) route.cornerSpeed[i] = MIN_CORNER_MPS + 12 * ((180 - turn) / 180) ** 2;
  }
  route.cornerSpeed[n - 1] = 0;
  route.lengthM = route.cum[n - 1] ?? 0;
  return route;
}

/** Index of the segment containing distance s (the last one at the end). */
export function segmentAt(route: Route, s: number, hint = 0): number {
  const last = Math.max(0, route.cum.length - 2);
  let i = Math.min(hint, last);
  while (i < last && s >= route.cum[i + 1]!) i++;
  while (i > 0 && s < route.cum[i]!) i--;
  return i;
}

/** Position at distance s along the route. */
export function pointAt(route: Route, s: number, segment: number): { lat: number; lon: number } {
  const a = route.cum[segment]!;
  const b = route.cum[segment + 1];
  if (b === undefined || b <= a) return { lat: route.lat[segment]!, lon: route.lon[segment]! };
  const f = Math.min(1, Math.max(0, (s - a) / (b - a)));
  return {
    lat: route.lat[segment]! + f * (route.lat[segment + 1]! - route.lat[segment]!),
    lon: route.lon[segment]! + f * (route.lon[segment + 1]! - route.lon[segment]!),
  };
}

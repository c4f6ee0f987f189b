import { haversineM } from '@fieldtrace/protocol';

/** Edge flag bits. */
export const EDGE_TUNNEL = 1;
/** Node flag bits. */
export const NODE_SIGNALS = 1;

/**
 * A directed road network in compressed sparse row form: the out-edges of node `n` are `offsets[n]..offsets[n+1]`.
 * Typed arrays keep a city (tens of thousands of nodes) in a few MB and make A* allocation-free per edge.
 */
export interface RoadGraph {
  readonly source: 'osm' | 'synthetic';
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  readonly nodeFlags: Uint8Array;
  /** Distinct neighbours, in or out: more than 2 marks a junction, where traffic stops happen. */
  readonly neighbourCount: Uint8Array;
  readonly offsets: Uint32Array;
  readonly targets: Uint32Array;
  /** Metres. */
  readonly lengthM: Float32Array;
  /** Legal (or class default) speed, m/s. */
  readonly speedMps: Float32Array;
  /** Index into ROAD_CLASSES. */
  readonly roadClass: Uint8Array;
  readonly edgeFlags: Uint8Array;
  /** Index into `names`, -1 when the way has no name. */
  readonly edgeName: Int32Array;
  readonly names: readonly string[];
  /** Fastest edge speed, m/s: divides the A* distance heuristic so it never overestimates travel time. */
  readonly maxSpeedMps: number;
}

export interface EdgeSpec {
  from: number;
  to: number;
  speedMps: number;
  roadClass: number;
  flags: number;
  name: number;
}

/** Growable input for `buildRoadGraph`: nodes by index, then directed edges between them. */
export interface RoadNetworkDraft {
  source: RoadGraph['source'];
  lat: number[];
  lon: number[];
  nodeFlags: number[];
  edges: EdgeSpec[];
  names: string[];
}

export function buildRoadGraph(draft: RoadNetworkDraft): RoadGraph {
  const nodeCount = draft.lat.length;
  const lat = Float64Array.from(draft.lat);
  const lon = Float64Array.from(draft.lon);
  const edges = draft.edges.filter((e) => e.from !== e.to);
  const offsets = new Uint32Array(nodeCount + 1);
  for (const e of edges) offsets[e.from + 1]! += 1;
  for (let n = 0; n < nodeCount; n++) offsets[n + 1]! += offsets[n]!;
  const cursor = offsets.slice(0, nodeCount);
  const m = edges.length;
  const targets = new Uint32Array(m);
  const lengthM = new Float32Array(m);
  const speedMps = new Float32Array(m);
  const roadClass = new Uint8Array(m);
  const edgeFlags = new Uint8Array(m);
  const edgeName = new Int32Array(m);
  let maxSpeedMps = 0;
  for (const e of edges) {
    const i = cursor[e.from]!++;
    targets[i] = e.to;
    lengthM[i] = haversineM(lat[e.from]!, lon[e.from]!, lat[e.to]!, lon[e.to]!);
    speedMps[i] = e.speedMps;
    roadClass[i] = e.roadClass;
    edgeFlags[i] = e.flags;
    edgeName[i] = e.name;
    if (e.speedMps > maxSpeedMps) maxSpeedMps = e.speedMps;
  }
  const partial = { nodeCount, offsets, targets };
  return {
    source: draft.source,
    neighbourCount: countNeighbours(partial),
    nodeCount,
    edgeCount: m,
    lat,
    lon,
    nodeFlags: Uint8Array.from(draft.nodeFlags),
    offsets,
    targets,
    lengthM,
    speedMps,
    roadClass,
    edgeFlags,
    edgeName,
    names: draft.names,
    maxSpeedMps,
  };
}

/** The edge index from `from` to `to`, or -1. */
export function findEdge(graph: RoadGraph, from: number, to: number): number {
  for (let e = graph.offsets[from]!; e < graph.offsets[from + 1]!; e++) if (graph.targets[e] === to) return e;
  return -1;
}

/** Nearest node by great-circle distance; a linear scan, which is fine for the handful of snaps a fleet needs. */
export function nearestNode(graph: RoadGraph, lat: number, lon: number, accept: (node: number) => boolean = () => true): number {
  let best = -1;
  let bestD = Infinity;
  for (let n = 0; n < graph.nodeCount; n++) {
    const d = haversineM(lat, lon, graph.lat[n]!, graph.lon[n]!);
    if (d < bestD && accept(n)) {
      bestD = d;
      best = n;
    }
  }
  return best;
}

function countNeighbours(graph: Pick<RoadGraph, 'nodeCount' | 'offsets' | 'targets'>): Uint8Array {
  const counts = new Uint8Array(graph.nodeCount);
  const seen = new Set<number>();
  const incoming: number[][] = Array.from({ length: graph.nodeCount }, () => []);
  for (let n = 0; n < graph.nodeCount; n++) {
    for (let e = graph.offsets[n]!; e < graph.offsets[n + 1]!; e++) incoming[graph.targets[e]!]!.push(n);
  }
  for (let n = 0; n < graph.nodeCount; n++) {
    seen.clear();
    for (let e = graph.offsets[n]!; e < graph.offsets[n + 1]!; e++) seen.add(graph.targets[e]!);
    for (const from of incoming[n]!) seen.add(from);
    counts[n] = Math.min(255, seen.size);
  }
  return counts;
}

import { haversineM } from '@fieldtrace/protocol';
import { MinHeap } from './min-heap.js';
import type { RoadGraph } from './road-graph.js';

export interface RoutePath {
  /** Node indices from start to goal inclusive. */
  nodes: number[];
  /** Edge indices, one fewer than nodes. */
  edges: number[];
  lengthM: number;
  /** Free-flow travel time at the edges' speeds, seconds. */
  timeS: number;
}

/**
 * Shortest-time path by A*. The heuristic is the great-circle distance at the network's top speed: it never
 * overestimates, so the path is optimal. Returns null when the goal is unreachable (never inside one strongly
 * connected component).
 */
export function shortestPath(graph: RoadGraph, start: number, goal: number): RoutePath | null {
  if (start === goal) return { nodes: [start], edges: [], lengthM: 0, timeS: 0 };
  const n = graph.nodeCount;
  const best = new Float64Array(n).fill(Infinity);
  const viaEdge = new Int32Array(n).fill(-1);
  const viaNode = new Int32Array(n).fill(-1);
  const closed = new Uint8Array(n);
  const goalLat = graph.lat[goal]!;
  const goalLon = graph.lon[goal]!;
  const inverseTopSpeed = 1 / graph.maxSpeedMps;
  const heap = new MinHeap();
  best[start] = 0;
  heap.push(haversineM(graph.lat[start]!, graph.lon[start]!, goalLat, goalLon) * inverseTopSpeed, start);

  while (heap.size > 0) {
    const v = heap.pop();
    if (closed[v]) continue;
    if (v === goal) return unwind(graph, start, goal, viaEdge, viaNode, best[goal]!);
    closed[v] = 1;
    const gv = best[v]!;
    for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
      const w = graph.targets[e]!;
      if (closed[w]) continue;
      const g = gv + graph.lengthM[e]! / graph.speedMps[e]!;
      if (g >= best[w]!) continue;
      best[w] = g;
      viaEdge[w] = e;
      viaNode[w] = v;
      heap.push(g + haversineM(graph.lat[w]!, graph.lon[w]!, goalLat, goalLon) * inverseTopSpeed, w);
    }
  }
  return null;
}

function unwind(graph: RoadGraph, start: number, goal: number, viaEdge: Int32Array, viaNode: Int32Array, timeS: number): RoutePath {
  const edges: number[] = [];
  const nodes: number[] = [goal];
  let lengthM = 0;
  for (let v = goal; v !== start; ) {
    const e = viaEdge[v]!;
    edges.push(e);
    lengthM += graph.lengthM[e]!;
    v = viaNode[v]!;
    nodes.push(v);
  }
  edges.reverse();
  nodes.reverse();
  return { nodes, edges, lengthM, timeS };
}

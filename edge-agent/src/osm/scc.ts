import { buildRoadGraph, type EdgeSpec, type RoadGraph } from './road-graph.js';

/**
 * Strongly connected components (Tarjan, iterative so a long chain of shape nodes cannot overflow the call stack).
 * Returns the component id of every node.
 */
export function stronglyConnectedComponents(graph: RoadGraph): { component: Int32Array; count: number } {
  const n = graph.nodeCount;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let sp = 0;
  const callNode = new Int32Array(n);
  const callEdge = new Uint32Array(n);
  let counter = 0;
  let count = 0;

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = graph.offsets[root]!;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const e = callEdge[depth]!;
      if (e < graph.offsets[v + 1]!) {
        callEdge[depth] = e + 1;
        const w = graph.targets[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = graph.offsets[w]!;
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          component[w] = count;
        } while (w !== v);
        count++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth]!;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
    }
  }
  return { component, count };
}

/**
 * The largest strongly connected component as its own graph: every node in it can reach every other, so a route
 * between any two sites exists. Drops islands such as car parks whose only exit is tagged the wrong way.
 */
export function largestStronglyConnected(graph: RoadGraph): RoadGraph {
  const { component, count } = stronglyConnectedComponents(graph);
  const sizes = new Uint32Array(count);
  for (let v = 0; v < graph.nodeCount; v++) sizes[component[v]!]! += 1;
  let biggest = 0;
  for (let c = 1; c < count; c++) if (sizes[c]! > sizes[biggest]!) biggest = c;

  const remap = new Int32Array(graph.nodeCount).fill(-1);
  const lat: number[] = [];
  const lon: number[] = [];
  const nodeFlags: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++) {
    if (component[v] !== biggest) continue;
    remap[v] = lat.length;
    lat.push(graph.lat[v]!);
    lon.push(graph.lon[v]!);
    nodeFlags.push(graph.nodeFlags[v]!);
  }
  const edges: EdgeSpec[] = [];
  for (let v = 0; v < graph.nodeCount; v++) {
    const from = remap[v]!;
    if (from < 0) continue;
    for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
      const to = remap[graph.targets[e]!]!;
      if (to < 0) continue;
      edges.push({ from, to, speedMps: graph.speedMps[e]!, roadClass: graph.roadClass[e]!, flags: graph.edgeFlags[e]!, name: graph.edgeName[e]! });
    }
  }
  return buildRoadGraph({ source: graph.source, lat, lon, nodeFlags, edges, names: [...graph.names] });
}

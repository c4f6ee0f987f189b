import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import { generateFleet } from '../sim/fleet.js';
import { monaco, T0 } from '../test-support.js';
import { shortestPath } from './astar.js';
import { loadRoadGraph } from './load-road-graph.js';
import { onewayDirection, parseMaxspeedKmh } from './road-classes.js';
import { buildRoadGraph, findEdge } from './road-graph.js';
import { largestStronglyConnected } from './scc.js';

test('the Monaco extract loads as a drivable graph with thousands of nodes, parsed once per process', async () => {
  const started = performance.now();
  const graph = await monaco();
  const firstMs = performance.now() - started;
  assert.equal(graph.source, 'osm');
  assert.ok(graph.nodeCount > 5_000, `only ${graph.nodeCount} nodes`);
  assert.ok(graph.edgeCount > graph.nodeCount, 'a road network has more directed edges than nodes');
  for (let n = 0; n < graph.nodeCount; n += 997) {
    assert.ok(graph.lat[n]! > 43.7 && graph.lat[n]! < 43.78 && graph.lon[n]! > 7.34 && graph.lon[n]! < 7.5, 'node outside the extract bbox');
  }
  const again = performance.now();
  assert.equal(await monaco(), graph);
  assert.ok(performance.now() - again < firstMs / 10, 'second load should come from the cache');
});

test('A* between sites: never shorter than the straight line, most under three times it, and time-optimal', async () => {
  const graph = await monaco();
  const fleet = generateFleet({ tenantId: 'demo', trucks: 50, seed: 42, jobsPerTruck: 4, graph, now: T0 });
  // Heuristic 0 turns A* into Dijkstra: the reference for optimality.
  const dijkstra = { ...graph, maxSpeedMps: Infinity };
  const ratios: number[] = [];
  for (let i = 0; i + 1 < fleet.sites.length; i += 2) {
    const a = fleet.sites[i]!;
    const b = fleet.sites[i + 1]!;
    const straight = haversineM(a.location[1], a.location[0], b.location[1], b.location[0]);
    if (straight < 300) continue;
    const path = shortestPath(graph, a.node, b.node);
    assert.ok(path, `no path ${a.id} → ${b.id}`);
    assert.equal(path.nodes[0], a.node);
    assert.equal(path.nodes.at(-1), b.node);
    for (let k = 0; k < path.edges.length; k++) assert.ok(findEdge(graph, path.nodes[k]!, path.nodes[k + 1]!) >= 0, 'path uses a missing edge');
    assert.ok(path.lengthM >= straight, `${path.lengthM} m < straight ${straight} m`);
    if (ratios.length < 8) assert.ok(Math.abs(shortestPath(dijkstra, a.node, b.node)!.timeS - path.timeS) < 1e-6, 'A* is not optimal');
    ratios.push(path.lengthM / straight);
  }
  assert.ok(ratios.length >= 50, 'too few site pairs checked');
  ratios.sort((x, y) => x - y);
  // Monaco's switchbacks (Beausoleil, La Turbie, Cap-d'Ail) make some pairs 5–9× even undirected; most are not.
  assert.ok(ratios[Math.floor(ratios.length / 2)]! < 2.5, `median detour ${ratios[Math.floor(ratios.length / 2)]}`);
  assert.ok(ratios.filter((r) => r >= 3).length <= ratios.length / 4, `too many long detours: ${ratios.map((r) => r.toFixed(1)).join(' ')}`);
});

test('A* prefers the faster road over the shorter one', () => {
  // 0 → 1 → 3 is 2 km of 100 km/h road; 0 → 2 → 3 is ~1.4 km of 10 km/h lane.
  const graph = buildRoadGraph({
    source: 'synthetic',
    lat: [0, 0.009, 0.0045, 0],
    lon: [0, 0.009, 0.0045, 0.018].map((v, i) => (i === 1 ? 0.009 : v)),
    nodeFlags: [0, 0, 0, 0],
    names: [],
    edges: [
      { from: 0, to: 1, speedMps: 27.8, roadClass: 0, flags: 0, name: -1 },
      { from: 1, to: 3, speedMps: 27.8, roadClass: 0, flags: 0, name: -1 },
      { from: 0, to: 2, speedMps: 2.8, roadClass: 12, flags: 0, name: -1 },
      { from: 2, to: 3, speedMps: 2.8, roadClass: 12, flags: 0, name: -1 },
    ],
  });
  assert.deepEqual(shortestPath(graph, 0, 3)?.nodes, [0, 1, 3]);
});

test('only the largest strongly connected component is kept (a one-way dead end is dropped)', () => {
  const edge = (from: number, to: number) => ({ from, to, speedMps: 10, roadClass: 11, flags: 0, name: -1 });
  const graph = buildRoadGraph({
    source: 'synthetic',
    lat: [0, 0.001, 0.002, 0.003],
    lon: [0, 0.001, 0, 0.001],
    nodeFlags: [0, 0, 0, 0],
    names: [],
    edges: [edge(0, 1), edge(1, 2), edge(2, 0), edge(2, 3)],
  });
  const kept = largestStronglyConnected(graph);
  assert.equal(kept.nodeCount, 3);
  assert.equal(kept.edgeCount, 3);
});

test('maxspeed and oneway tags are read as OSM documents them', () => {
  assert.equal(parseMaxspeedKmh('50'), 50);
  assert.ok(Math.abs(parseMaxspeedKmh('30 mph')! - 48.28) < 0.01);
  assert.equal(parseMaxspeedKmh('FR:urban'), 50);
  assert.equal(parseMaxspeedKmh('none'), null);
  assert.equal(parseMaxspeedKmh(undefined), null);
  assert.equal(onewayDirection({ oneway: 'yes' }), 'forward');
  assert.equal(onewayDirection({ oneway: '-1' }), 'backward');
  assert.equal(onewayDirection({ junction: 'roundabout' }), 'forward');
  assert.equal(onewayDirection({ highway: 'motorway' }), 'forward');
  assert.equal(onewayDirection({ highway: 'residential' }), 'both');
});

test('a missing extract falls back to a synthetic grid around the configured centre', async () => {
  const warnings: unknown[] = [];
  const logger = silentLogger.child({});
  logger.warn = ((obj: unknown) => void warnings.push(obj)) as typeof logger.warn;
  const graph = await loadRoadGraph({ osmPbf: '/nonexistent/nowhere.osm.pbf', fallbackCenter: { lat: 48.8566, lon: 2.3522 } }, logger);
  assert.equal(graph.source, 'synthetic');
  assert.equal(warnings.length, 1);
  const midLat = (Math.min(...graph.lat) + Math.max(...graph.lat)) / 2;
  const midLon = (Math.min(...graph.lon) + Math.max(...graph.lon)) / 2;
  assert.ok(haversineM(midLat, midLon, 48.8566, 2.3522) < 50);
  const corner = shortestPath(graph, 0, graph.nodeCount - 1);
  assert.ok(corner && corner.lengthM > 0);
});

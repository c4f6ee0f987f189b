import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@fieldtrace/service-kit';
import { readDrivableNetwork } from './pbf-reader.js';
import { buildRoadGraph, type RoadGraph } from './road-graph.js';
import { largestStronglyConnected } from './scc.js';
import { syntheticGrid } from './synthetic-grid.js';

export interface RoadGraphOptions {
  /** Path to an .osm.pbf extract; undefined or missing file means the synthetic grid. */
  osmPbf?: string | undefined;
  /** Centre of the synthetic grid fallback. */
  fallbackCenter: { lat: number; lon: number };
}

/** The Monaco extract shipped with the repository's shared fixtures (`<repo>/../shared/fixtures/osm/`). */
export function defaultOsmPbfPath(): string {
  // From dist/osm/: up to dist, edge-agent, the repo, then its parent.
  return fileURLToPath(new URL('../../../../shared/fixtures/osm/monaco.osm.pbf', import.meta.url));
}

// One parse per process: the simulator, the tests and a future router all share the same immutable graph.
const cache = new Map<string, Promise<RoadGraph>>();

/**
 * Loads the drivable road graph (largest strongly connected component) from an OSM extract, once per path per
 * process. When the file is absent, logs a warning and returns a synthetic grid so the simulator still runs.
 */
export function loadRoadGraph(options: RoadGraphOptions, logger: Logger): Promise<RoadGraph> {
  const path = options.osmPbf ?? defaultOsmPbfPath();
  const key = `${path}|${options.fallbackCenter.lat},${options.fallbackCenter.lon}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = load(path, options.fallbackCenter, logger);
    cache.set(key, pending);
    // A failed parse (corrupt file) must not poison the cache for the next caller.
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function load(path: string, center: { lat: number; lon: number }, logger: Logger): Promise<RoadGraph> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const graph = syntheticGrid({ centerLat: center.lat, centerLon: center.lon });
    logger.warn(
      { osmPbf: path, centerLat: center.lat, centerLon: center.lon, nodes: graph.nodeCount },
      'OSM extract not found; simulating on a synthetic street grid (set OSM_PBF to a .osm.pbf file for real roads)',
    );
    return graph;
  }
  const started = performance.now();
  const { draft, stats } = await readDrivableNetwork(path);
  const parsed = performance.now();
  const full = buildRoadGraph(draft);
  const graph = largestStronglyConnected(full);
  const built = performance.now();
  logger.info(
    {
      osmPbf: path,
      parseMs: Math.round(parsed - started),
      buildMs: Math.round(built - parsed),
      ...stats,
      drivableNodes: full.nodeCount,
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
    },
    'road graph loaded',
  );
  return graph;
}

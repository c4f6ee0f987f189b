import { offsetLatLon } from '@fieldtrace/protocol';
import { roadClassIndex } from './road-classes.js';
import { buildRoadGraph, NODE_SIGNALS, type RoadGraph, type RoadNetworkDraft } from './road-graph.js';

export interface SyntheticGridOptions {
  centerLat: number;
  centerLon: number;
  /** Streets per direction. */
  size?: number;
  /** Block length, metres. */
  spacingM?: number;
}

/**
 * A Manhattan grid of two-way streets around a centre, used when no OSM extract is available so the simulator still
 * runs. Every fifth street is an arterial (50 km/h, signals at its crossings); the rest are residential (30 km/h).
 */
export function syntheticGrid(options: SyntheticGridOptions): RoadGraph {
  const size = options.size ?? 21;
  const spacingM = options.spacingM ?? 150;
  const half = ((size - 1) * spacingM) / 2;
  const draft: RoadNetworkDraft = { source: 'synthetic', lat: [], lon: [], nodeFlags: [], edges: [], names: [] };
  const arterial = (i: number) => i % 5 === 0;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const [north] = offsetLatLon(options.centerLat, options.centerLon, 0, row * spacingM - half);
      const [, east] = offsetLatLon(options.centerLat, options.centerLon, 90, col * spacingM - half);
      draft.lat.push(north);
      draft.lon.push(east);
      draft.nodeFlags.push(arterial(row) && arterial(col) ? NODE_SIGNALS : 0);
    }
  }
  for (let i = 0; i < size; i++) draft.names.push(`${ordinal(i + 1)} Street`);
  for (let i = 0; i < size; i++) draft.names.push(`${ordinal(i + 1)} Avenue`);

  const primary = roadClassIndex('primary');
  const residential = roadClassIndex('residential');
  const link = (from: number, to: number, line: number, name: number) => {
    const roadClass = arterial(line) ? primary : residential;
    const speedMps = (arterial(line) ? 50 : 30) / 3.6;
    draft.edges.push({ from, to, speedMps, roadClass, flags: 0, name });
    draft.edges.push({ from: to, to: from, speedMps, roadClass, flags: 0, name });
  };
  const at = (row: number, col: number) => row * size + col;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (col + 1 < size) link(at(row, col), at(row, col + 1), row, row);
      if (row + 1 < size) link(at(row, col), at(row + 1, col), col, size + col);
    }
  }
  return buildRoadGraph(draft);
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

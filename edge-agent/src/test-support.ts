import type { UplinkKind, UplinkMessages } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import type { UplinkEnvelope } from './sim/outbox.js';
import { generateFleet, type Fleet } from './sim/fleet.js';
import { loadRoadGraph } from './osm/load-road-graph.js';
import type { RoadGraph } from './osm/road-graph.js';
import type { TruckSite } from './sim/truck.js';

/** Shared by the tests: the Monaco fixture (one parse per test process) and a small fleet on it. */
export const T0 = Date.UTC(2027, 0, 15, 6, 0, 0);

export function monaco(): Promise<RoadGraph> {
  return loadRoadGraph({ fallbackCenter: { lat: 43.7384, lon: 7.4246 } }, silentLogger);
}

export function smallFleet(graph: RoadGraph, seed = 42): Fleet {
  return generateFleet({ tenantId: 'demo', trucks: 3, seed, jobsPerTruck: 3, graph, now: T0 });
}

export function truckSites(fleet: Fleet, vehicleId: string): { jobs: TruckSite[]; all: TruckSite[] } {
  const all = fleet.sites.map((s) => ({ id: s.id, node: s.node, lat: s.location[1], lon: s.location[0] }));
  const jobs = fleet.jobs
    .filter((j) => j.vehicleId === vehicleId)
    .sort((a, b) => a.routeOrder - b.routeOrder)
    .map((j) => all.find((s) => s.id === j.siteId)!);
  return { jobs, all };
}

export function ofKind<K extends UplinkKind>(envelopes: UplinkEnvelope[], kind: K): UplinkMessages[K][] {
  return envelopes.filter((e) => e.kind === kind).map((e) => e.message as UplinkMessages[K]);
}

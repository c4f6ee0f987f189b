import type { RoadGraph } from '../osm/road-graph.js';
import { createDrone, type Drone } from './drone.js';
import type { Fleet } from './fleet.js';
import { createRng, deriveSeed, type Rng } from './rng.js';
import { createTruck, type Truck, type TruckModelConfig, type TruckSite } from './truck.js';

export type SimDevice = { kind: 'truck'; model: Truck; rng: Rng } | { kind: 'ground-station'; model: Drone; rng: Rng };

export interface DeviceModelsOptions {
  fleet: Fleet;
  graph: RoadGraph;
  seed: number;
  now: number;
  seqStart: number;
  truck: Partial<TruckModelConfig>;
  outboxLimit: number;
}

/** One model per fleet device (trucks drive the fleet's jobs in route order; ground stations survey their site). */
export function createDeviceModels(options: DeviceModelsOptions): Map<string, SimDevice> {
  const { fleet, graph } = options;
  const siteById = new Map(fleet.sites.map((s) => [s.id, { id: s.id, node: s.node, lat: s.location[1], lon: s.location[0] } satisfies TruckSite]));
  const allSites = [...siteById.values()];
  const models = new Map<string, SimDevice>();
  fleet.devices.forEach((device, index) => {
    const rng = createRng(deriveSeed(options.seed, index));
    if (device.kind === 'truck') {
      const vehicle = fleet.vehicles.find((v) => v.id === device.vehicleId);
      if (!vehicle) return;
      const jobs = fleet.jobs
        .filter((j) => j.vehicleId === vehicle.id)
        .sort((a, b) => a.routeOrder - b.routeOrder)
        .map((j) => siteById.get(j.siteId)!);
      const model = createTruck(
        {
          deviceId: device.id,
          vehicleId: vehicle.id,
          graph,
          startNode: vehicle.startNode,
          jobs,
          anySites: allSites,
          seqStart: options.seqStart,
          now: options.now,
          config: { ...options.truck, outboxLimit: options.outboxLimit },
        },
        rng,
      );
      models.set(device.id, { kind: 'truck', model, rng });
    } else {
      const site = siteById.get(device.siteId ?? '') ?? allSites[0];
      if (!site) return;
      const model = createDrone(
        { deviceId: device.id, site, seqStart: options.seqStart, now: options.now, config: { outboxLimit: options.outboxLimit } },
        rng,
      );
      models.set(device.id, { kind: 'ground-station', model, rng });
    }
  });
  return models;
}

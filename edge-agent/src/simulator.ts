import { defineError, type Clock, type Logger } from '@fieldtrace/service-kit';
import type { SimulatorConfig } from './config.js';
import { loadRoadGraph } from './osm/load-road-graph.js';
import type { RoadGraph } from './osm/road-graph.js';
import { createDeviceModels, type SimDevice } from './sim/devices.js';
import { advanceDrone } from './sim/drone.js';
import { generateFleet, type Fleet } from './sim/fleet.js';
import { provisionFleet, type DeviceCredentials } from './sim/provision.js';
import { createDevicePublisher, type DevicePublisher } from './sim/publisher.js';
import { advance, takeSendable } from './sim/truck.js';

export const NoCredentials = defineError('FT_SIM_NO_CREDENTIALS', 500, () =>
  'the simulator has no device credentials: set API_URL and API_KEY so it can provision its fleet through core-api, ' +
    'or pass pre-provisioned credentials to buildSimulator',
);

export interface SimulatorDeps {
  logger: Logger;
  clock: Clock;
  /** Devices provisioned elsewhere (e.g. seeded by the all-in-one platform); used when API_URL/API_KEY are unset. */
  credentials?: ReadonlyArray<Pick<DeviceCredentials, 'deviceId' | 'secret'>>;
  /** Replaces the MQTT connection per device (tests, benchmarks). */
  createPublisher?: (device: { deviceId: string; secret: string }) => DevicePublisher;
  /** A graph loaded already; skips OSM_PBF. */
  graph?: RoadGraph;
  /** false: no timer; the caller drives the simulation with `tick()` (tests). Default true. */
  autoTick?: boolean;
}

export interface SimulatorStats {
  /** Simulated event time, Unix ms. */
  simTime: number;
  devices: number;
  connectedDevices: number;
  refusedDevices: number;
  fixesEmitted: number;
  messagesPublished: number;
  messagesAcked: number;
  publishFailures: number;
  /** Messages waiting in device buffers (link gaps, back-pressure, broker down). */
  buffered: number;
  inFlight: number;
  /** Messages dropped from full device buffers. */
  dropped: number;
  linkGaps: number;
  trucksOffline: number;
  siteArrivals: number;
}

export interface Simulator {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): SimulatorStats;
  /** Advances the simulation to the clock's current time and publishes what may be published. */
  tick(): void;
  /** The generated fleet (after start). */
  fleet(): Fleet | null;
}

const TICK_MS = 200;
const PROGRESS_MS = 10_000;
/** After an event-loop stall (a laptop lid closed), catch up at most this much real time in one tick. */
const MAX_CATCH_UP_MS = 60_000;

interface Running {
  device: SimDevice;
  publisher: DevicePublisher;
}

export function buildSimulator(config: SimulatorConfig, deps: SimulatorDeps): Simulator {
  const { logger, clock } = deps;
  const running: Running[] = [];
  let fleet: Fleet | null = null;
  let timer: NodeJS.Timeout | undefined;
  let lastReal = 0;
  let lastProgress = 0;
  let simTime = 0;
  let closed = false;

  async function credentialsFor(theFleet: Fleet): Promise<Map<string, string>> {
    if (config.API_URL && config.API_KEY) {
      const started = clock.now();
      const provisioned = await provisionFleet({ apiUrl: config.API_URL, apiKey: config.API_KEY, tenantId: config.TENANT_ID }, theFleet);
      logger.info(
        { apiUrl: config.API_URL, vehicles: theFleet.vehicles.length, sites: theFleet.sites.length, jobs: theFleet.jobs.length, ms: clock.now() - started },
        'fleet provisioned',
      );
      return new Map(provisioned.map((c) => [c.deviceId, c.secret]));
    }
    if (deps.credentials) return new Map(deps.credentials.map((c) => [c.deviceId, c.secret]));
    throw NoCredentials([]);
  }

  function connect(deviceId: string, secret: string): DevicePublisher {
    if (deps.createPublisher) return deps.createPublisher({ deviceId, secret });
    return createDevicePublisher(
      {
        mqttUrl: config.MQTT_URL,
        tenantId: config.TENANT_ID,
        deviceId,
        secret,
        protocolVersion: config.MQTT_PROTOCOL_VERSION,
        maxInFlight: config.SIM_MAX_IN_FLIGHT,
        reconnectMinMs: 1_000,
        reconnectMaxMs: 30_000,
      },
      { logger, clock },
    );
  }

  function flush({ device, publisher }: Running): void {
    const room = publisher.capacity();
    if (room <= 0) return;
    const ready = device.kind === 'truck' ? takeSendable(device.model, room) : device.model.outbox.take(room);
    for (const envelope of ready) publisher.publish(envelope);
  }

  function stats(): SimulatorStats {
    const s: SimulatorStats = {
      simTime,
      devices: running.length,
      connectedDevices: 0,
      refusedDevices: 0,
      fixesEmitted: 0,
      messagesPublished: 0,
      messagesAcked: 0,
      publishFailures: 0,
      buffered: 0,
      inFlight: 0,
      dropped: 0,
      linkGaps: 0,
      trucksOffline: 0,
      siteArrivals: 0,
    };
    for (const { device, publisher } of running) {
      if (publisher.state === 'connected') s.connectedDevices++;
      if (publisher.state === 'refused') s.refusedDevices++;
      s.messagesPublished += publisher.counters.published;
      s.messagesAcked += publisher.counters.acked;
      s.publishFailures += publisher.counters.failed;
      s.inFlight += publisher.inFlight;
      s.buffered += device.model.outbox.size;
      s.dropped += device.model.outbox.dropped;
      if (device.kind === 'truck') {
        s.fixesEmitted += device.model.fixes;
        s.linkGaps += device.model.link.gaps;
        if (!device.model.link.up) s.trucksOffline++;
        s.siteArrivals += device.model.arrivals.length;
      }
    }
    return s;
  }

  function tick(): void {
    if (closed || running.length === 0) return;
    const realNow = clock.now();
    const realDt = Math.min(realNow - lastReal, MAX_CATCH_UP_MS);
    if (realDt <= 0) return;
    lastReal = realNow;
    const simDt = Math.round(realDt * config.SIM_SPEEDUP);
    simTime += simDt;
    for (const r of running) {
      // A device whose credentials were refused is switched off, as a real agent would wait for re-provisioning.
      if (r.publisher.state === 'refused') continue;
      if (r.device.kind === 'truck') advance(r.device.model, simDt, simTime, r.device.rng);
      else advanceDrone(r.device.model, simDt, simTime, r.device.rng);
      flush(r);
    }
    if (realNow - lastProgress >= PROGRESS_MS) {
      lastProgress = realNow;
      logger.info(stats(), 'simulator progress');
    }
  }

  return {
    async start() {
      // Fail before the graph parse when the run cannot work anyway.
      if (!(config.API_URL && config.API_KEY) && !deps.credentials) throw NoCredentials([]);
      const graph =
        deps.graph ??
        (await loadRoadGraph({ osmPbf: config.OSM_PBF, fallbackCenter: { lat: config.SIM_CENTER_LAT, lon: config.SIM_CENTER_LON } }, logger));
      const now = clock.now();
      fleet = generateFleet({
        tenantId: config.TENANT_ID,
        trucks: config.SIM_TRUCKS,
        drones: config.SIM_DRONES,
        seed: config.SIM_SEED,
        jobsPerTruck: config.SIM_JOBS_PER_TRUCK,
        graph,
        now,
      });
      const secrets = await credentialsFor(fleet);
      // Closed (a signal) while the graph loaded or the API answered: connect nothing.
      if (closed) return;
      const models = createDeviceModels({
        fleet,
        graph,
        seed: config.SIM_SEED,
        now,
        // Seq starts at the start time in ms: a restarted simulator continues above every seq it sent before, so
        // ingest's (device, seq) de-duplication never mistakes new fixes for replays (holds below ~400× speed-up).
        seqStart: now,
        truck: { fixIntervalMs: config.FIX_INTERVAL_MS, gapPerMin: config.SIM_GAP_PER_MIN },
        outboxLimit: config.SIM_BUFFER_MAX,
      });
      for (const [deviceId, device] of models) {
        const secret = secrets.get(deviceId);
        if (secret === undefined) {
          logger.warn({ deviceId }, 'no credentials for simulated device; it stays offline');
          continue;
        }
        running.push({ device, publisher: connect(deviceId, secret) });
      }
      simTime = now;
      lastReal = now;
      lastProgress = now;
      logger.info(
        {
          tenantId: config.TENANT_ID,
          graph: graph.source,
          trucks: config.SIM_TRUCKS,
          groundStations: config.SIM_DRONES,
          devices: running.length,
          speedup: config.SIM_SPEEDUP,
          mqttUrl: config.MQTT_URL,
        },
        'simulator started',
      );
      if (deps.autoTick !== false) timer = setInterval(tick, TICK_MS);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      const final = stats();
      await Promise.allSettled(running.map((r) => r.publisher.close()));
      logger.info(final, 'simulator stopped');
    },
    stats,
    tick,
    fleet: () => fleet,
  };
}

import { busFilter, busTopic, type EntityChanged, type EtaUpdate, type GeofenceEvent, type Position } from '@fieldtrace/protocol';
import type { Bus, Clock, Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import type { ProcessorsConfig } from './config.js';
import { FleetLoadFailed } from './errors.js';
import { FleetDirectory } from './fleet/fleet-directory.js';
import { createGeofenceState, stepGeofence, type GeofenceCounters } from './geofence/geofence-core.js';
import { createEtaState, stepEta, type EtaCounters } from './eta/eta-core.js';
import { createEventWriter, DEFAULT_WRITER_OPTIONS, type EventWriterOptions, type EventWriterStats } from './wiring/event-writer.js';
import { createFleetSync } from './wiring/fleet-sync.js';

export type ProcessorsOptions = Pick<
  ProcessorsConfig,
  'GEOFENCE_MAX_MARGIN_M' | 'ETA_DETOUR_FACTOR' | 'ETA_DEFAULT_SPEED_MS' | 'ETA_MIN_CHANGE_S' | 'ETA_MAX_SILENCE_S' | 'ETA_MIN_INTERVAL_S'
>;

export interface ProcessorsDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  clock: Clock;
  /** Batching of the `events` inserts; the defaults (100 ms / 200 rows) suit production. */
  writer?: EventWriterOptions;
}

export interface ProcessorsStats {
  positions: number;
  /** Bus messages on the position topic that were not Positions. */
  malformed: number;
  /** Largest delay seen between ingest accepting a fix and this process handling it, ms (clock − receivedAt). */
  maxLagMs: number;
  geofence: GeofenceCounters;
  eta: EtaCounters;
  events: EventWriterStats;
  reloads: number;
  reloadErrors: number;
}

export interface Processors {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): ProcessorsStats;
  /** Waits for queued cache reloads and writes every geofence event produced so far. */
  flush(): Promise<void>;
}

interface TenantTopics {
  geofence: string;
  eta: string;
}

/**
 * Wires the pure cores to the bus and the database. Per position: geofence core, then ETA core, both into
 * reused output arrays; the only allocations on the common path (no transition, no ETA due) are none.
 */
export function buildProcessors(config: ProcessorsOptions, deps: ProcessorsDeps): Processors {
  const { db, bus, logger, clock } = deps;
  const directory = new FleetDirectory();
  const geo = createGeofenceState({ maxMarginM: config.GEOFENCE_MAX_MARGIN_M }, directory);
  const eta = createEtaState(
    {
      detourFactor: config.ETA_DETOUR_FACTOR,
      defaultSpeedMs: config.ETA_DEFAULT_SPEED_MS,
      minChangeS: config.ETA_MIN_CHANGE_S,
      maxSilenceS: config.ETA_MAX_SILENCE_S,
      minIntervalS: config.ETA_MIN_INTERVAL_S,
    },
    directory,
  );
  const writer = createEventWriter(db, logger, deps.writer ?? DEFAULT_WRITER_OPTIONS, (batch) => {
    for (let i = 0; i < batch.length; i++) bus.publish(topicsOf(batch[i]!.tenantId).geofence, batch[i]);
  });
  const sync = createFleetSync(db, logger, directory, geo);
  const geoOut: GeofenceEvent[] = [];
  const etaOut: EtaUpdate[] = [];
  const topics = new Map<string, TenantTopics>();
  const counters = { positions: 0, malformed: 0, maxLagMs: 0 };
  const unsubscribes: Array<() => Promise<void>> = [];
  let started = false;

  function topicsOf(tenantId: string): TenantTopics {
    let t = topics.get(tenantId);
    if (!t) topics.set(tenantId, (t = { geofence: busTopic(tenantId, 'geofence'), eta: busTopic(tenantId, 'eta') }));
    return t;
  }

  function onPosition(_topic: string, message: unknown): void {
    // Ingest validated and stored it; this only guards against something else on the topic crashing the cores.
    const p = message as Position;
    if (typeof p !== 'object' || p === null || typeof p.tenantId !== 'string' || typeof p.deviceId !== 'string' ||
        typeof p.ts !== 'number' || typeof p.lat !== 'number' || typeof p.lon !== 'number') {
      counters.malformed++;
      return;
    }
    counters.positions++;
    const lag = clock.now() - p.receivedAt;
    if (lag > counters.maxLagMs) counters.maxLagMs = lag;
    if (directory.tenant(p.tenantId) === undefined) sync.discoverTenant(p.tenantId);

    if (stepGeofence(geo, p, geoOut) > 0) {
      // Published by the writer once committed to the event log.
      for (let i = 0; i < geoOut.length; i++) writer.add(geoOut[i]!);
      geoOut.length = 0;
    }
    if (stepEta(eta, p, etaOut) > 0) {
      const topic = topicsOf(p.tenantId).eta;
      for (let i = 0; i < etaOut.length; i++) bus.publish(topic, etaOut[i]);
      etaOut.length = 0;
    }
  }

  function onChanged(_topic: string, message: unknown): void {
    const c = message as EntityChanged;
    if (typeof c !== 'object' || c === null || typeof c.tenantId !== 'string' || typeof c.id !== 'string') {
      logger.warn({ message }, 'malformed EntityChanged ignored');
      return;
    }
    void sync.onChanged(c);
  }

  return {
    async start() {
      if (started) return;
      started = true;
      // Subscribe to changes before loading, so a change made during the load is applied after it, not lost.
      unsubscribes.push(await bus.subscribe(busFilter('changed'), onChanged));
      try {
        await sync.loadAll();
      } catch (err) {
        throw FleetLoadFailed([], { cause: err });
      }
      writer.start();
      unsubscribes.push(await bus.subscribe(busFilter('position'), onPosition));
      logger.info({ marginM: config.GEOFENCE_MAX_MARGIN_M, detour: config.ETA_DETOUR_FACTOR }, 'stream processors started');
    },
    async close() {
      for (const unsubscribe of unsubscribes.splice(0).reverse()) await unsubscribe();
      await sync.settled();
      await writer.close();
      logger.info({ stats: snapshot() }, 'stream processors stopped');
    },
    stats: snapshot,
    async flush() {
      await sync.settled();
      await writer.flush();
    },
  };

  function snapshot(): ProcessorsStats {
    return {
      ...counters,
      geofence: { ...geo.counters },
      eta: { ...eta.counters },
      events: writer.stats(),
      reloads: sync.counters.reloads,
      reloadErrors: sync.counters.reloadErrors,
    };
  }
}

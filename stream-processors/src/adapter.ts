import {
  busFilter, busTopic, type AlertChange, type DeviceStatus, type DroneTelemetry, type EntityChanged, type EtaUpdate,
  type GeofenceEvent, type JobStatusChange, type Position, type SensorReading, type TimesheetEntry, type TripEvent,
} from '@fieldtrace/protocol';
import type { Bus, Clock, Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import type { ProcessorsConfig } from './config.js';
import { FleetLoadFailed } from './errors.js';
import { FleetDirectory } from './fleet/fleet-directory.js';
import { createGeofenceState, fencesOf, type GeofenceCounters } from './geofence/geofence-core.js';
import { createGeofenceTimeline } from './geofence/geofence-timeline.js';
import { DevicePhase } from './geofence/membership.js';
import type { EventTimeCounters } from './event-time/event-time.js';
import { createEtaState, stepEta, type EtaCounters } from './eta/eta-core.js';
import { advanceTo, createTripState, stepTripFix, stepTripSignal, type TripCounters, type TripFixInput } from './trips/trip-core.js';
import {
  acknowledgeAlert, createAlertState, restoreAlerts, setAlertRules, stepAlertDrone, stepAlertEta, stepAlertIdle,
  stepAlertJobEnded, stepAlertPosition, stepAlertSensor, stepAlertStatus, tickAlerts, type AlertCounters, type AlertPositionInput,
} from './alerts/alert-core.js';
import { createJobAutomationState, pruneJobs, stepJobGeofence, stepJobTrip, type JobAction, type JobAutomationCounters } from './jobs/job-automation.js';
import { createEventWriter, DEFAULT_WRITER_OPTIONS, type EventWriterOptions, type EventWriterStats } from './wiring/event-writer.js';
import { createFleetSync } from './wiring/fleet-sync.js';
import { createJobWriter, type JobWriterStats } from './wiring/job-writer.js';
import { createAlertWriter, loadActiveAlerts, loadAlert, loadAlertRules, loadLastSeen, type AlertWriterStats } from './wiring/alert-store.js';
import { createPartitionFilter } from './wiring/partition.js';
import { ignitionOf, isDeviceMessage, type DeviceMessage } from './wiring/signals.js';
import { loadProfiles, saveProfiles } from './wiring/speed-profiles.js';
import { createPlanningService } from './wiring/planning.js';
import type { PlannerStats } from './planning/planner.js';
import { replanTriggers } from './planning/replan-triggers.js';

export type ProcessorsOptions = Pick<
  ProcessorsConfig,
  | 'GEOFENCE_MAX_MARGIN_M' | 'GEOFENCE_DWELL_IN_S' | 'GEOFENCE_DWELL_OUT_S' | 'JOB_FENCE_MARGIN_MIN' | 'REORDER_WINDOW_MS'
  | 'EVENT_HISTORY_FIXES' | 'PROCESSOR_TICK_MS' | 'PROCESSOR_PARTITION'
  | 'ETA_DETOUR_FACTOR' | 'ETA_DEFAULT_SPEED_MS' | 'ETA_MIN_CHANGE_S' | 'ETA_MAX_SILENCE_S' | 'ETA_MIN_INTERVAL_S'
  | 'ETA_LEARN' | 'ETA_OFF_ROUTE_M' | 'ETA_PROFILE_SAVE_S'
  | 'PLAN_ENABLED' | 'PLAN_DEBOUNCE_MS' | 'PLAN_BUDGET_MS' | 'PLAN_STALE_MIN' | 'PLAN_HORIZON_H' | 'VROOM_URL' | 'VROOM_TIMEOUT_MS' | 'VROOM_RETRIES'
  | 'ETA_MATRIX_KIND' | 'ETA_MATRIX_URL' | 'ETA_MATRIX_TIMEOUT_MS'
>;

export interface ProcessorsDeps {
  db: Db;
  bus: Bus;
  logger: Logger;
  clock: Clock;
  /** Batching of the `events` inserts; the defaults (25 ms / 200 rows) suit production. */
  writer?: EventWriterOptions;
}

export interface ProcessorsStats {
  positions: number;
  /** Bus messages that were not what their topic promised. */
  malformed: number;
  /** Messages of devices another partition owns. */
  otherPartition: number;
  /** Largest delay seen between ingest accepting a fix and this process handling it, ms (clock − receivedAt). */
  maxLagMs: number;
  geofence: GeofenceCounters;
  eventTime: EventTimeCounters;
  eta: EtaCounters;
  trips: TripCounters;
  alerts: AlertCounters;
  jobs: JobAutomationCounters;
  events: EventWriterStats;
  jobWrites: JobWriterStats;
  alertWrites: AlertWriterStats;
  planner: PlannerStats | null;
  reloads: number;
  reloadErrors: number;
}

export interface Processors {
  start(): Promise<void>;
  close(): Promise<void>;
  stats(): ProcessorsStats;
  /**
   * Releases every fix held for reordering, then waits for queued cache reloads and for every event, job change
   * and alert produced so far to be written (tests and shutdown).
   */
  flush(): Promise<void>;
}

/**
 * Wires the pure cores to the bus and the database. Per position: the geofence core behind its event-time layer,
 * the trip core, the ETA core and the alert core, each into reused output arrays; the common path (no transition,
 * no ETA due, no alert change) allocates nothing of its own. A timer (PROCESSOR_TICK_MS) releases fixes held for
 * reordering, replays late ones, and lets time-driven conditions (silence, minimum durations) fire.
 */
export function buildProcessors(config: ProcessorsOptions, deps: ProcessorsDeps): Processors {
  const { db, bus, logger, clock } = deps;
  const directory = new FleetDirectory();
  const dwell = { inS: config.GEOFENCE_DWELL_IN_S, outS: config.GEOFENCE_DWELL_OUT_S };
  const geo = createGeofenceState({ maxMarginM: config.GEOFENCE_MAX_MARGIN_M, dwell: { site: dwell, job: dwell, depot: dwell, zone: dwell } }, directory);
  const timeline = createGeofenceTimeline(geo, {
    reorderWindowMs: config.REORDER_WINDOW_MS,
    historyFixes: config.EVENT_HISTORY_FIXES,
    snapshotEvery: 64,
    maxPendingLate: 2000,
  });
  const eta = createEtaState(
    {
      detourFactor: config.ETA_DETOUR_FACTOR,
      defaultSpeedMs: config.ETA_DEFAULT_SPEED_MS,
      minChangeS: config.ETA_MIN_CHANGE_S,
      maxSilenceS: config.ETA_MAX_SILENCE_S,
      minIntervalS: config.ETA_MIN_INTERVAL_S,
      learn: config.ETA_LEARN,
      offRouteM: config.ETA_OFF_ROUTE_M,
    },
    directory,
  );
  const trips = createTripState();
  const alerts = createAlertState();
  const jobs = createJobAutomationState(directory);
  const partition = createPartitionFilter(config.PROCESSOR_PARTITION);

  const writer = createEventWriter(db, logger, deps.writer ?? DEFAULT_WRITER_OPTIONS, (batch) => {
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      bus.publish(busTopic(e.tenantId, 'transition' in e ? 'geofence' : 'trip'), e);
    }
  });
  const jobWriter = createJobWriter(db, bus, logger);
  const planner = config.PLAN_ENABLED
    ? createPlanningService(
      {
        debounceMs: config.PLAN_DEBOUNCE_MS, budgetMs: config.PLAN_BUDGET_MS, staleAfterMs: config.PLAN_STALE_MIN * 60_000,
        horizonS: Math.round(config.PLAN_HORIZON_H * 3600), vroomUrl: config.VROOM_URL, vroomTimeoutMs: config.VROOM_TIMEOUT_MS,
        vroomRetries: config.VROOM_RETRIES, matrixKind: config.ETA_MATRIX_KIND, matrixUrl: config.ETA_MATRIX_URL,
        matrixTimeoutMs: config.ETA_MATRIX_TIMEOUT_MS,
      },
      { db, bus, logger: logger.child({ part: 'planner' }), clock, eta },
    )
    : null;
  const replan = planner ? replanTriggers(planner) : null;
  const alertWriter = createAlertWriter(db, bus, logger);
  const sync = createFleetSync(db, logger, directory, geo, {
    jobFenceMarginMs: config.JOB_FENCE_MARGIN_MIN * 60_000,
    onJobsReloaded: (tenantId) => pruneJobs(jobs, tenantId),
  });

  const geoOut: GeofenceEvent[] = [];
  const tripOut: TripEvent[] = [];
  const etaOut: EtaUpdate[] = [];
  const alertOut: AlertChange[] = [];
  const jobActions: JobAction[] = [];
  const timesheets: TimesheetEntry[] = [];
  const insideFences: string[] = [];
  const tripFix: TripFixInput = { tenantId: '', deviceId: '', vehicleId: undefined, ts: 0, lat: 0, lon: 0, accuracy: undefined, speed: undefined };
  const alertFix: AlertPositionInput = {
    tenantId: '', deviceId: '', vehicleId: undefined, ts: 0, receivedAt: 0, lat: 0, lon: 0, speed: undefined, speedLimitKmh: null, insideFences,
  };
  const etaTopics = new Map<string, string>();
  const counters = { positions: 0, malformed: 0, otherPartition: 0, maxLagMs: 0 };
  const unsubscribes: Array<() => Promise<void>> = [];
  let timer: NodeJS.Timeout | null = null;
  let profileTimer: NodeJS.Timeout | null = null;
  let started = false;
  let alertChanges: Promise<void> = Promise.resolve();

  function vehicleOf(tenantId: string, deviceId: string): string | undefined {
    return directory.tenant(tenantId)?.vehicleOf(deviceId) ?? undefined;
  }

  function drainGeofence(): void {
    if (geoOut.length === 0) return;
    for (let i = 0; i < geoOut.length; i++) {
      const e = geoOut[i]!;
      writer.add(e); // announced once committed
      stepJobGeofence(jobs, e, jobActions, timesheets);
    }
    geoOut.length = 0;
    drainJobs();
  }

  function drainTrips(): void {
    if (tripOut.length === 0) return;
    for (let i = 0; i < tripOut.length; i++) {
      const e = tripOut[i]!;
      writer.add(e);
      stepJobTrip(jobs, e, jobActions, timesheets);
      if (e.kind === 'idle_start' || e.kind === 'idle_end') {
        stepAlertIdle(alerts, { tenantId: e.tenantId, deviceId: e.deviceId, vehicleId: e.vehicleId, ts: e.ts, idle: e.kind === 'idle_start' }, alertOut);
      }
    }
    tripOut.length = 0;
    drainJobs();
    drainAlerts();
  }

  function drainJobs(): void {
    if (jobActions.length === 0 && timesheets.length === 0) return;
    jobWriter.add(jobActions, timesheets);
    jobActions.length = 0;
    timesheets.length = 0;
  }

  function drainAlerts(): void {
    if (alertOut.length === 0) return;
    if (replan) for (const c of alertOut) replan.onAlert(c);
    alertWriter.add(alertOut);
    alertOut.length = 0;
  }

  function onPosition(_topic: string, message: unknown): void {
    // Ingest validated and stored it; this only guards against something else on the topic crashing the cores.
    const p = message as Position;
    if (!isDeviceMessage(p) || typeof p.lat !== 'number' || typeof p.lon !== 'number') {
      counters.malformed++;
      return;
    }
    if (!partition.owns(p.deviceId)) {
      counters.otherPartition++;
      return;
    }
    counters.positions++;
    const now = clock.now();
    const lag = now - p.receivedAt;
    if (lag > counters.maxLagMs) counters.maxLagMs = lag;
    if (directory.tenant(p.tenantId) === undefined) sync.discoverTenant(p.tenantId);
    const vehicleId = vehicleOf(p.tenantId, p.deviceId);

    timeline.offer(p, now, geoOut);
    drainGeofence();
    // The trip core reads a Position as it is, plus the vehicle: one reused input, no object per fix.
    tripFix.tenantId = p.tenantId;
    tripFix.deviceId = p.deviceId;
    tripFix.vehicleId = vehicleId;
    tripFix.ts = p.ts;
    tripFix.lat = p.lat;
    tripFix.lon = p.lon;
    tripFix.accuracy = p.accuracy;
    tripFix.speed = p.speed;
    if (stepTripFix(trips, tripFix, tripOut) > 0) drainTrips();
    if (stepEta(eta, p, etaOut) > 0) {
      let topic = etaTopics.get(p.tenantId);
      if (topic === undefined) etaTopics.set(p.tenantId, (topic = busTopic(p.tenantId, 'eta')));
      for (let i = 0; i < etaOut.length; i++) {
        const u = etaOut[i]!;
        bus.publish(topic, u);
        const windowEnd = directory.tenant(u.tenantId)?.job(u.jobId)?.windowEnd ?? null;
        stepAlertEta(alerts, { tenantId: u.tenantId, vehicleId: u.vehicleId, jobId: u.jobId, deviceId: u.deviceId, ts: u.basedOnTs, eta: u.eta, windowEnd }, alertOut);
      }
      etaOut.length = 0;
    }
    // The alert core wants the fences the device is in and the lowest speed limit among them.
    insideFences.length = 0;
    let limit: number | null = null;
    for (const m of fencesOf(geo, p.tenantId, p.deviceId)) {
      if (m.phase === DevicePhase.Away || m.fence.kind === 'job') continue; // left (not yet departed) / a job's private copy
      insideFences.push(m.fence.id);
      const l = m.fence.speedLimitKmh;
      if (l !== null && (limit === null || l < limit)) limit = l;
    }
    alertFix.tenantId = p.tenantId;
    alertFix.deviceId = p.deviceId;
    alertFix.vehicleId = vehicleId;
    alertFix.ts = p.ts;
    alertFix.receivedAt = p.receivedAt;
    alertFix.lat = p.lat;
    alertFix.lon = p.lon;
    alertFix.speed = p.speed;
    alertFix.speedLimitKmh = limit ?? (vehicleId === undefined ? null : (directory.tenant(p.tenantId)?.vehicle(vehicleId)?.speedLimitKmh ?? null));
    stepAlertPosition(alerts, alertFix, alertOut);
    drainAlerts();
  }

  function onStatus(_topic: string, message: unknown): void {
    const s = message as DeviceStatus & DeviceMessage;
    if (!isDeviceMessage(s)) return void counters.malformed++;
    if (!partition.owns(s.deviceId)) return void counters.otherPartition++;
    const now = clock.now();
    timeline.heartbeat(s.tenantId, s.deviceId, s.ts, now, geoOut);
    drainGeofence();
    const vehicleId = vehicleOf(s.tenantId, s.deviceId);
    stepAlertStatus(alerts, { tenantId: s.tenantId, deviceId: s.deviceId, vehicleId, ts: s.ts, receivedAt: s.receivedAt, ignition: s.ignition }, alertOut);
    if (s.ignition !== undefined && stepTripSignal(trips, { tenantId: s.tenantId, deviceId: s.deviceId, ts: s.ts, ignition: s.ignition }, tripOut) > 0) drainTrips();
    drainAlerts();
  }

  function onSensor(_topic: string, message: unknown): void {
    const s = message as SensorReading & DeviceMessage;
    if (!isDeviceMessage(s) || !Array.isArray(s.readings)) return void counters.malformed++;
    if (!partition.owns(s.deviceId)) return void counters.otherPartition++;
    const vehicleId = vehicleOf(s.tenantId, s.deviceId);
    stepAlertSensor(alerts, { tenantId: s.tenantId, deviceId: s.deviceId, vehicleId, ts: s.ts, receivedAt: s.receivedAt, readings: s.readings }, alertOut);
    const signal = ignitionOf(s.readings);
    if (signal !== null && stepTripSignal(trips, { tenantId: s.tenantId, deviceId: s.deviceId, ts: s.ts, ...signal }, tripOut) > 0) drainTrips();
    drainAlerts();
  }

  function onDrone(_topic: string, message: unknown): void {
    const d = message as DroneTelemetry & DeviceMessage;
    if (!isDeviceMessage(d)) return void counters.malformed++;
    if (!partition.owns(d.deviceId)) return void counters.otherPartition++;
    stepAlertDrone(alerts, { tenantId: d.tenantId, deviceId: d.deviceId, vehicleId: vehicleOf(d.tenantId, d.deviceId), ts: d.ts, receivedAt: d.receivedAt, batteryPct: d.batteryPct }, alertOut);
    drainAlerts();
  }

  function onJob(_topic: string, message: unknown): void {
    const c = message as JobStatusChange;
    if (typeof c !== 'object' || c === null || typeof c.jobId !== 'string') return void counters.malformed++;
    replan?.onJobChange(c);
    if (c.to !== 'scheduled' && c.to !== 'assigned' && c.to !== 'en_route') {
      stepAlertJobEnded(alerts, { tenantId: c.tenantId, jobId: c.jobId, ts: c.ts }, alertOut);
      drainAlerts();
    }
  }

  async function reloadAlertRules(tenantId: string): Promise<void> {
    const rules = (await loadAlertRules(db, logger, tenantId)).get(tenantId) ?? [];
    setAlertRules(alerts, tenantId, rules, clock.now(), alertOut);
    drainAlerts();
  }

  async function applyAcknowledgement(tenantId: string, alertId: string): Promise<void> {
    const a = await loadAlert(db, tenantId, alertId);
    if (a?.acknowledgedAt !== undefined) acknowledgeAlert(alerts, tenantId, alertId, a.acknowledgedBy ?? 'api', a.acknowledgedAt);
  }

  function onChanged(_topic: string, message: unknown): void {
    const c = message as EntityChanged;
    if (typeof c !== 'object' || c === null || typeof c.tenantId !== 'string' || typeof c.id !== 'string') {
      logger.warn({ message }, 'malformed EntityChanged ignored');
      return;
    }
    const failed = (err: unknown) => logger.error({ err, change: c }, 'applying a change failed');
    // In arrival order, one at a time, like the fleet cache's reloads.
    replan?.onEntityChanged(c);
    if (c.entity === 'alert_rules') alertChanges = alertChanges.then(() => reloadAlertRules(c.tenantId)).catch(failed);
    else if (c.entity === 'alert') alertChanges = alertChanges.then(() => applyAcknowledgement(c.tenantId, c.id)).catch(failed);
    else void sync.onChanged(c);
  }

  function tick(): void {
    const now = clock.now();
    timeline.tick(now, geoOut);
    drainGeofence();
    if (advanceTo(trips, now, tripOut) > 0) drainTrips();
    if (tickAlerts(alerts, now, alertOut) > 0) drainAlerts();
  }

  async function loadAlerts(): Promise<void> {
    const [rules, active, seen] = await Promise.all([loadAlertRules(db, logger), loadActiveAlerts(db), loadLastSeen(db)]);
    // Rules first, then the stored alerts (acknowledgements and cooldowns survive a restart), then each device's
    // last sign of life, so a device that was already silent before the restart is still found offline.
    for (const [tenantId, list] of rules) setAlertRules(alerts, tenantId, list, clock.now(), alertOut);
    for (const [tenantId, list] of active) restoreAlerts(alerts, tenantId, list);
    for (const d of seen) stepAlertStatus(alerts, { tenantId: d.tenantId, deviceId: d.deviceId, vehicleId: d.vehicleId ?? undefined, ts: d.lastSeen, receivedAt: d.lastSeen }, alertOut);
    drainAlerts();
  }

  return {
    async start() {
      if (started) return;
      started = true;
      // Subscribe to changes before loading, so a change made during the load is applied after it, not lost.
      unsubscribes.push(await bus.subscribe(busFilter('changed'), onChanged));
      try {
        await sync.loadAll();
        await loadAlerts();
        await loadProfiles(db, eta);
      } catch (err) {
        throw FleetLoadFailed([], { cause: err });
      }
      writer.start();
      unsubscribes.push(await bus.subscribe(busFilter('position'), onPosition));
      unsubscribes.push(await bus.subscribe(busFilter('status'), onStatus));
      unsubscribes.push(await bus.subscribe(busFilter('sensor'), onSensor));
      unsubscribes.push(await bus.subscribe(busFilter('drone'), onDrone));
      unsubscribes.push(await bus.subscribe(busFilter('job'), onJob));
      if (replan) unsubscribes.push(await bus.subscribe(busFilter('plan'), (_t, m) => replan.onPlanMessage(m)));
      timer = setInterval(tick, config.PROCESSOR_TICK_MS);
      timer.unref();
      profileTimer = setInterval(() => void saveProfiles(db, eta, logger, config.ETA_LEARN), config.ETA_PROFILE_SAVE_S * 1000);
      profileTimer.unref();
      logger.info(
        { marginM: config.GEOFENCE_MAX_MARGIN_M, reorderWindowMs: config.REORDER_WINDOW_MS, partition: partition.describe() },
        'stream processors started',
      );
    },
    async close() {
      if (timer) clearInterval(timer);
      if (profileTimer) clearInterval(profileTimer);
      timer = null;
      profileTimer = null;
      planner?.close();
      for (const unsubscribe of unsubscribes.splice(0).reverse()) await unsubscribe();
      await flush();
      await writer.close();
      await saveProfiles(db, eta, logger, config.ETA_LEARN);
      logger.info({ stats: snapshot() }, 'stream processors stopped');
    },
    stats: snapshot,
    flush,
  };

  async function flush(): Promise<void> {
    await sync.settled();
    await alertChanges;
    timeline.drain(geoOut);
    drainGeofence();
    await writer.flush();
    await jobWriter.flush();
    await alertWriter.flush();
    await planner?.settled();
  }

  function snapshot(): ProcessorsStats {
    return {
      ...counters,
      geofence: { ...geo.counters },
      eventTime: { ...timeline.counters },
      eta: { ...eta.counters },
      trips: { ...trips.counters },
      alerts: { ...alerts.counters },
      jobs: { ...jobs.counters },
      events: writer.stats(),
      jobWrites: jobWriter.stats(),
      alertWrites: alertWriter.stats(),
      planner: planner?.stats() ?? null,
      reloads: sync.counters.reloads,
      reloadErrors: sync.counters.reloadErrors,
    };
  }
}

import { readFile } from 'node:fs/promises';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import { openQueue, type DurableQueue, type QueueEntry, type QueueRecord, type QueueStats } from '../queue/index.js';
import type { Reading, Source } from '../sources/source.js';
import type { ApplyResult, DeviceProfile } from '../profiles/index.js';
import type { Connect, UplinkStats, UplinkTls } from '../uplink/index.js';
import type { AgentConfig } from './agent-config.js';
import { createRemoteConfig, type RemoteConfig } from './remote-config.js';
import { ReportingFilter } from './reporting-filter.js';
import { configSettings, deferredSettings, profileSettings, type QueueSettings, type RuntimeSettings } from './runtime-settings.js';
import { createStatusHeartbeat, type StatusHeartbeat } from './status-heartbeat.js';
import { createUplinkSlot, type UplinkSlot } from './uplink-slot.js';

export interface AgentDeps {
  logger: Logger;
  clock: Clock;
  sources: readonly Source[];
  connect?: Connect;
  /** Called with each batch once it is stored (durable per FSYNC_POLICY): tests and local tooling. */
  onStored?: (records: readonly QueueRecord[]) => void;
}

export interface AgentStats {
  readings: number;
  filtered: number;
  appendFailures: number;
  filter: Record<string, number>;
  queue: QueueStats | null;
  /** The current uplink's (counters restart when a profile change replaces it). */
  uplink: UplinkStats | null;
  uplinkGenerations: number;
  statusSent: number;
  profile: Record<string, number>;
  sources: Record<string, Record<string, number>>;
}

export interface Agent {
  start(): Promise<void>;
  /** Stops the sources, stores what they already emitted, lets in-flight publishes finish, syncs the queue. */
  close(): Promise<void>;
  stats(): AgentStats;
  /** The settings in force (environment, then the applied profile over it). */
  settings(): RuntimeSettings;
  /** `{profile}@{version}` in force, or null. */
  profile(): string | null;
}

async function loadTls(config: AgentConfig): Promise<UplinkTls | undefined> {
  if (!config.MQTT_CA_FILE && !config.MQTT_CERT_FILE && !config.MQTT_KEY_FILE && config.MQTT_REJECT_UNAUTHORIZED) return undefined;
  return {
    ...(config.MQTT_CA_FILE ? { ca: await readFile(config.MQTT_CA_FILE) } : {}),
    ...(config.MQTT_CERT_FILE ? { cert: await readFile(config.MQTT_CERT_FILE) } : {}),
    ...(config.MQTT_KEY_FILE ? { key: await readFile(config.MQTT_KEY_FILE) } : {}),
    rejectUnauthorized: config.MQTT_REJECT_UNAUTHORIZED,
  };
}

/**
 * Sources → adaptive filter (fixes only) → seq stamping in the durable queue → uplink. Readings emitted in the
 * same tick are stored as one batch (one write, one fsync), in emission order; a reading is only ever sent after
 * it is stored, so a crash can never put a seq on the wire that is then reassigned.
 *
 * With REMOTE_CONFIG the device profile (saved copy at boot, then the retained `down/config` message) is applied
 * over the environment's settings while running: reporting thresholds and the status period at once, drain order,
 * backlog rate, batching, in-flight window and reconnect bounds by replacing the uplink. Queue size and fsync wait
 * for the next start; inputs stay as the environment configured them (both logged when a profile changes them).
 */
export function buildAgent(config: AgentConfig, deps: AgentDeps): Agent {
  const { logger, clock } = deps;
  const log = logger.child({ deviceId: config.DEVICE_ID });
  const base = configSettings(config);
  let settings = base;
  let openedQueue: QueueSettings = base.queue;
  const filter = new ReportingFilter(base.filter);
  const counters = { readings: 0, filtered: 0, appendFailures: 0 };
  let queue: DurableQueue | null = null;
  let slot: UplinkSlot | null = null;
  let batch: QueueEntry[] = [];
  let flushScheduled = false;
  const inFlightAppends = new Set<Promise<unknown>>();
  let closing = false;

  function flushBatch(): void {
    flushScheduled = false;
    if (!queue || batch.length === 0) return;
    const entries = batch;
    batch = [];
    const appended = queue.append(entries).then(
      (records) => deps.onStored?.(records),
      (err: unknown) => {
        counters.appendFailures += entries.length;
        log.error({ err, readings: entries.length }, 'readings could not be stored and are lost');
      },
    );
    inFlightAppends.add(appended);
    void appended.finally(() => inFlightAppends.delete(appended));
  }

  function enqueue(kind: string, body: Record<string, unknown>): void {
    batch.push({ kind, body });
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushBatch);
    }
  }

  function emit(reading: Reading): void {
    if (closing) return;
    counters.readings++;
    if (reading.kind === 'fix' && !filter.accept(reading.body)) {
      counters.filtered++;
      return;
    }
    enqueue(reading.kind, reading.body as unknown as Record<string, unknown>);
  }

  let remote: RemoteConfig | null = null;
  const heartbeat: StatusHeartbeat = createStatusHeartbeat(
    {
      firmware: config.FIRMWARE_VERSION,
      backlog: () => queue?.stats().backlog ?? 0,
      profile: () => remote?.manager.label() ?? null,
      profileRejected: () => remote?.manager.rejectionSummary() ?? null,
    },
    { clock, emit: (body) => !closing && enqueue('status', body as unknown as Record<string, unknown>) },
  );

  function applyProfile(profile: DeviceProfile, previous: DeviceProfile | null): void {
    const next = profileSettings(base, profile);
    if (filter.reconfigure(next.filter)) log.info({ filter: next.filter }, 'reporting thresholds changed');
    if (next.statusIntervalMs !== settings.statusIntervalMs) {
      log.info({ intervalMs: next.statusIntervalMs }, 'status heartbeat period changed');
      heartbeat.schedule(next.statusIntervalMs);
    }
    settings = next;
    void slot?.reconfigure(next.uplink).catch((err: unknown) => log.error({ err }, 'could not restart the uplink with the new settings'));
    const deferred = deferredSettings(previous, profile, openedQueue, base);
    if (deferred.nextStart.length > 0 || deferred.notApplied.length > 0) {
      log.warn(
        { profile: remote?.manager.label(), applyAtNextStart: deferred.nextStart, notAppliedChangeEnvAndRestart: deferred.notApplied },
        'device profile: some settings do not take effect while running',
      );
    }
  }

  function onProfileResult(result: ApplyResult): void {
    // The platform learns at once whether its push took effect; a re-delivered retained copy is not news.
    if (!closing && (result.outcome === 'applied' || result.outcome === 'rejected')) heartbeat.sendNow();
  }

  return {
    async start() {
      let restored: ApplyResult | null = null;
      if (config.REMOTE_CONFIG) {
        remote = createRemoteConfig(config, { logger: log, clock, onResult: onProfileResult });
        restored = remote.manager.restore();
        settings = profileSettings(base, remote.manager.current());
        filter.reconfigure(settings.filter);
        remote.manager.onChange((change) => applyProfile(change.profile, change.previous));
      }
      openedQueue = settings.queue;
      queue = await openQueue(
        {
          dir: config.QUEUE_DIR,
          maxBytes: openedQueue.maxBytes,
          segmentBytes: openedQueue.segmentBytes,
          fsync: openedQueue.fsync,
          fsyncIntervalMs: openedQueue.fsyncIntervalMs,
        },
        { logger: log },
      );
      const attach = remote ? remote.attach : undefined;
      slot = createUplinkSlot(config, {
        queue,
        logger: log,
        clock,
        tls: await loadTls(config),
        ...(deps.connect ? { connect: deps.connect } : {}),
        ...(attach ? { onClient: attach } : {}),
      });
      await slot.start(settings.uplink);
      heartbeat.schedule(settings.statusIntervalMs);
      const q = queue.stats();
      log.info({ backlog: q.backlog, nextSeq: q.nextSeq, sources: deps.sources.map((s) => s.name), profile: remote?.manager.label() ?? null }, 'edge agent started');
      if (restored?.outcome === 'applied' || restored?.outcome === 'rejected') heartbeat.sendNow();
      for (const source of deps.sources) await source.start(emit);
    },
    async close() {
      if (closing) return;
      closing = true;
      heartbeat.stop();
      await Promise.allSettled(deps.sources.map((s) => s.close()));
      flushBatch();
      await Promise.allSettled([...inFlightAppends]);
      await slot?.close();
      await queue?.close();
      log.info({ readings: counters.readings, queue: queue?.stats() }, 'edge agent stopped');
    },
    stats() {
      return {
        ...counters,
        filter: { ...filter.counts },
        queue: queue?.stats() ?? null,
        uplink: slot?.stats() ?? null,
        uplinkGenerations: slot?.generations ?? 0,
        statusSent: heartbeat.sent,
        profile: remote?.stats() ?? {},
        sources: Object.fromEntries(deps.sources.map((s) => [s.name, s.stats()])),
      };
    },
    settings: () => settings,
    profile: () => remote?.manager.label() ?? null,
  };
}

import { readFile } from 'node:fs/promises';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import { openQueue, type DurableQueue, type QueueEntry, type QueueRecord, type QueueStats } from '../queue/index.js';
import type { Reading, Source } from '../sources/source.js';
import { AdaptiveFilter, createFixBatchFramer, createUplink, type Connect, type Uplink, type UplinkStats, type UplinkTls } from '../uplink/index.js';
import type { AgentConfig } from './agent-config.js';

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
  uplink: UplinkStats | null;
  sources: Record<string, Record<string, number>>;
}

export interface Agent {
  start(): Promise<void>;
  /** Stops the sources, stores what they already emitted, lets in-flight publishes finish, syncs the queue. */
  close(): Promise<void>;
  stats(): AgentStats;
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
 */
export function buildAgent(config: AgentConfig, deps: AgentDeps): Agent {
  const { logger, clock } = deps;
  const log = logger.child({ deviceId: config.DEVICE_ID });
  const filter = config.ADAPTIVE_FILTER
    ? new AdaptiveFilter({
        minDistanceM: config.REPORT_DISTANCE_M,
        minHeadingDeg: config.REPORT_HEADING_DEG,
        maxIntervalMs: config.REPORT_INTERVAL_S * 1000,
        stationaryHeartbeatMs: config.REPORT_HEARTBEAT_S * 1000,
      })
    : null;
  const counters = { readings: 0, filtered: 0, appendFailures: 0 };
  let queue: DurableQueue | null = null;
  let uplink: Uplink | null = null;
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

  function emit(reading: Reading): void {
    if (closing) return;
    counters.readings++;
    if (reading.kind === 'fix' && filter && filter.accept(reading.body) === null) {
      counters.filtered++;
      return;
    }
    batch.push({ kind: reading.kind, body: reading.body as unknown as Record<string, unknown> });
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushBatch);
    }
  }

  return {
    async start() {
      queue = await openQueue(
        {
          dir: config.QUEUE_DIR,
          maxBytes: config.QUEUE_MAX_BYTES,
          segmentBytes: config.QUEUE_SEGMENT_BYTES,
          fsync: config.FSYNC_POLICY,
          fsyncIntervalMs: config.FSYNC_INTERVAL_MS,
        },
        { logger: log },
      );
      uplink = createUplink(
        {
          mqttUrl: config.MQTT_URL,
          tenantId: config.TENANT_ID,
          deviceId: config.DEVICE_ID,
          secret: config.DEVICE_SECRET,
          protocolVersion: config.MQTT_PROTOCOL_VERSION,
          ...(await loadTls(config).then((tls) => (tls ? { tls } : {}))),
          maxInFlight: config.MQTT_MAX_IN_FLIGHT,
          drainOrder: config.DRAIN_ORDER,
          backlogRatePerS: config.BACKLOG_RATE,
          reconnectMinMs: config.RECONNECT_MIN_MS,
          reconnectMaxMs: config.RECONNECT_MAX_MS,
          keepaliveS: config.MQTT_KEEPALIVE_S,
          lastWill: config.LAST_WILL ? (config.FIRMWARE_VERSION ? { firmware: config.FIRMWARE_VERSION } : {}) : null,
          framer: createFixBatchFramer({ maxFixes: config.BATCH_MAX_FIXES }),
          batchMaxAgeMs: config.BATCH_MAX_AGE_MS,
        },
        { queue, logger: log, clock, ...(deps.connect ? { connect: deps.connect } : {}) },
      );
      await uplink.start();
      const q = queue.stats();
      log.info({ backlog: q.backlog, nextSeq: q.nextSeq, sources: deps.sources.map((s) => s.name) }, 'edge agent started');
      for (const source of deps.sources) await source.start(emit);
    },
    async close() {
      if (closing) return;
      closing = true;
      await Promise.allSettled(deps.sources.map((s) => s.close()));
      flushBatch();
      await Promise.allSettled([...inFlightAppends]);
      await uplink?.close();
      await queue?.close();
      log.info({ readings: counters.readings, queue: queue?.stats() }, 'edge agent stopped');
    },
    stats() {
      return {
        ...counters,
        filter: filter ? { ...filter.counts } : {},
        queue: queue?.stats() ?? null,
        uplink: uplink?.stats() ?? null,
        sources: Object.fromEntries(deps.sources.map((s) => [s.name, s.stats()])),
      };
    },
  };
}

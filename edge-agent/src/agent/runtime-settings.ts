import { isDeepStrictEqual } from 'node:util';
import type { DeviceProfile } from '../profiles/index.js';
import type { FsyncPolicy } from '../queue/index.js';
import { DEFAULT_ADAPTIVE_FILTER, type AdaptiveFilterOptions, type DrainOrder } from '../uplink/index.js';
import type { AgentConfig } from './agent-config.js';

/** What the uplink is built with; any change here replaces the uplink (one reconnect), not the agent. */
export interface UplinkSettings {
  drainOrder: DrainOrder;
  /** 0 = unlimited. */
  backlogRatePerS: number;
  batchMaxFixes: number;
  batchMaxAgeMs: number;
  maxInFlight: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** Fixed while the queue is open: a profile's queue settings take effect at the next start. */
export interface QueueSettings {
  maxBytes: number;
  segmentBytes: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export interface RuntimeSettings {
  /** null = every fix is sent. */
  filter: AdaptiveFilterOptions | null;
  /** DeviceStatus heartbeat period; 0 = none. */
  statusIntervalMs: number;
  uplink: UplinkSettings;
  queue: QueueSettings;
}

/** The environment's settings: in force until a profile arrives, and for whatever a profile leaves out. */
export function configSettings(config: AgentConfig): RuntimeSettings {
  return {
    filter: config.ADAPTIVE_FILTER
      ? {
          ...DEFAULT_ADAPTIVE_FILTER,
          minDistanceM: config.REPORT_DISTANCE_M,
          minHeadingDeg: config.REPORT_HEADING_DEG,
          maxIntervalMs: config.REPORT_INTERVAL_S * 1000,
          stationaryHeartbeatMs: config.REPORT_HEARTBEAT_S * 1000,
        }
      : null,
    statusIntervalMs: config.STATUS_INTERVAL_S * 1000,
    uplink: {
      drainOrder: config.DRAIN_ORDER,
      backlogRatePerS: config.BACKLOG_RATE,
      batchMaxFixes: config.BATCH_MAX_FIXES,
      batchMaxAgeMs: config.BATCH_MAX_AGE_MS,
      maxInFlight: config.MQTT_MAX_IN_FLIGHT,
      reconnectMinMs: config.RECONNECT_MIN_MS,
      reconnectMaxMs: config.RECONNECT_MAX_MS,
    },
    queue: {
      maxBytes: config.QUEUE_MAX_BYTES,
      segmentBytes: config.QUEUE_SEGMENT_BYTES,
      fsync: config.FSYNC_POLICY,
      fsyncIntervalMs: config.FSYNC_INTERVAL_MS,
    },
  };
}

// Profile vocabulary → the agent's: oldest-first keeps birth order on the wire, newest-first puts the live position first.
const DRAIN_ORDER: Record<DeviceProfile['queue']['drainOrder'], DrainOrder> = { 'oldest-first': 'backlog-first', 'newest-first': 'live-first' };

function queueFromProfile(base: QueueSettings, queue: DeviceProfile['queue']): QueueSettings {
  const fsync = queue.fsync;
  return {
    maxBytes: queue.maxBytes,
    // The queue needs room for two segments (QueueBoundTooSmall): a small bound shrinks the segments, not the bound.
    segmentBytes: Math.min(base.segmentBytes, Math.floor(queue.maxBytes / 2)),
    fsync: fsync.policy === 'every-record' ? 'always' : fsync.policy === 'interval' ? 'interval' : 'never',
    fsyncIntervalMs: fsync.policy === 'interval' ? fsync.intervalMs : base.fsyncIntervalMs,
  };
}

/**
 * The settings in force with `profile` applied over the environment's. A profile without `gps.adaptive` keeps the
 * environment's filter; its `queue.backlogRatePerS` (≥ 1) replaces BACKLOG_RATE.
 */
export function profileSettings(base: RuntimeSettings, profile: DeviceProfile | null): RuntimeSettings {
  if (!profile) return base;
  const adaptive = profile.gps?.adaptive;
  return {
    filter: adaptive
      ? {
          minDistanceM: adaptive.distanceM,
          minHeadingDeg: adaptive.headingDeg,
          maxIntervalMs: adaptive.maxIntervalS * 1000,
          stationaryHeartbeatMs: adaptive.stationaryHeartbeatS * 1000,
          stationarySpeedMs: adaptive.stationarySpeedMps ?? 0.5,
        }
      : base.filter,
    statusIntervalMs: profile.status.intervalMs,
    uplink: {
      drainOrder: DRAIN_ORDER[profile.queue.drainOrder],
      backlogRatePerS: profile.queue.backlogRatePerS,
      batchMaxFixes: profile.uplink.batchMaxFixes ?? base.uplink.batchMaxFixes,
      batchMaxAgeMs: profile.uplink.batchMaxAgeMs ?? base.uplink.batchMaxAgeMs,
      maxInFlight: profile.uplink.maxInFlight,
      reconnectMinMs: profile.reconnect.minMs,
      reconnectMaxMs: profile.reconnect.maxMs,
    },
    queue: queueFromProfile(base.queue, profile.queue),
  };
}

/**
 * Profile settings the running agent does not apply. Inputs (GPS source, sensors, autopilot, camera) are built from
 * the environment at start (EDGE_MODE=device: GPS_SOURCE, MAVLINK_*, ...); QoS is always 1 and the encoding JSON.
 */
const NOT_APPLIED = [
  'gps.source',
  'gps.fixIntervalMs',
  'gps.minFixQuality',
  'sensors',
  'drone',
  'survey',
  'camera',
  'queue.overflow',
  'uplink.qos',
  'uplink.encoding',
  'uplink.topicKinds',
  'reconnect.jitter',
] as const;

function at(profile: DeviceProfile | null, path: string): unknown {
  let value: unknown = profile;
  for (const key of path.split('.')) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[key];
  return value;
}

export interface DeferredSettings {
  /** Applied from the saved profile when the agent next starts (the queue is open with the old ones). */
  nextStart: string[];
  /** Not applied by the agent at all: change the environment and restart. */
  notApplied: string[];
}

/** What a newly applied profile changes that does not take effect now; `running` is the queue as opened. */
export function deferredSettings(previous: DeviceProfile | null, next: DeviceProfile, running: QueueSettings, base: RuntimeSettings): DeferredSettings {
  const wanted = profileSettings(base, next).queue;
  const nextStart = (['maxBytes', 'fsync', 'fsyncIntervalMs'] as const).filter((k) => wanted[k] !== running[k]).map((k) => `queue.${k}`);
  const notApplied = NOT_APPLIED.filter((path) => at(next, path) !== undefined && !isDeepStrictEqual(at(previous, path), at(next, path)));
  return { nextStart, notApplied };
}

import { haversineM } from '@fieldtrace/protocol';

/** A fix as the filter sees it: event time and position, plus the optional motion fields of GpsFix. */
export interface FilterFix {
  ts: number;
  lat: number;
  lon: number;
  speed?: number;
  heading?: number;
  fix: string;
}

export interface AdaptiveFilterOptions {
  /** Send once the vehicle is this far from the last sent fix, metres (Traccar client: "distance"). */
  minDistanceM: number;
  /** Send when the course changed by more than this since the last sent fix, degrees (Traccar: "angle"). */
  minHeadingDeg: number;
  /** While moving, send at least this often, ms (Traccar: "interval"). */
  maxIntervalMs: number;
  /** While stationary, send a heartbeat fix this often, ms: proves the truck is alive and still there. */
  stationaryHeartbeatMs: number;
  /** Below this ground speed (m/s) the vehicle counts as stationary and its heading as noise. */
  stationarySpeedMs: number;
}

export const DEFAULT_ADAPTIVE_FILTER: AdaptiveFilterOptions = {
  minDistanceM: 50,
  minHeadingDeg: 30,
  maxIntervalMs: 30_000,
  stationaryHeartbeatMs: 300_000,
  stationarySpeedMs: 1,
};

export type FilterReason = 'first' | 'distance' | 'heading' | 'interval' | 'heartbeat' | 'quality';
export type FilterDecision = FilterReason | null;

function headingDelta(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/**
 * Decides which fixes are worth sending, on event time only (no clock, no I/O): a 1 Hz receiver on a parked truck
 * should not fill the queue and the cellular bill with identical positions, yet corners must keep their shape and
 * a silent truck must be distinguishable from a dead one. Dropped fixes never reach the queue, so they get no seq.
 */
export class AdaptiveFilter {
  private readonly options: AdaptiveFilterOptions;
  private last: FilterFix | null = null;
  readonly counts: Record<FilterReason | 'dropped', number> = {
    first: 0,
    distance: 0,
    heading: 0,
    interval: 0,
    heartbeat: 0,
    quality: 0,
    dropped: 0,
  };

  constructor(options: Partial<AdaptiveFilterOptions> = {}) {
    this.options = { ...DEFAULT_ADAPTIVE_FILTER, ...options };
  }

  /** Returns why the fix should be sent, or null to drop it. Sent fixes become the new reference. */
  accept(fix: FilterFix): FilterDecision {
    const reason = this.decide(fix);
    this.counts[reason ?? 'dropped']++;
    if (reason !== null) this.last = fix;
    return reason;
  }

  private decide(fix: FilterFix): FilterDecision {
    const last = this.last;
    if (last === null) return 'first';
    const o = this.options;
    if ((fix.fix === 'none') !== (last.fix === 'none')) return 'quality';
    if (haversineM(last.lat, last.lon, fix.lat, fix.lon) >= o.minDistanceM) return 'distance';
    const moving = (fix.speed ?? 0) >= o.stationarySpeedMs;
    if (moving && fix.heading !== undefined && last.heading !== undefined && headingDelta(fix.heading, last.heading) > o.minHeadingDeg) {
      return 'heading';
    }
    const elapsed = fix.ts - last.ts;
    if (moving && elapsed >= o.maxIntervalMs) return 'interval';
    if (!moving && elapsed >= o.stationaryHeartbeatMs) return 'heartbeat';
    return null;
  }
}

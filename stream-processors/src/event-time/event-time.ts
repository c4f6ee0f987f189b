import type { FixInput } from '../geofence/geofence-core.js';
import { FixHistory } from './fix-history.js';

/**
 * Event-time order for a per-device core. Each device has a small reorder buffer with a watermark: a fix is held
 * until a fix `reorderWindowMs` newer has been seen (or that long has passed on the wall clock), then processed in
 * event-time order. A fix older than what was already processed (a store-and-forward backlog, a redelivery) is late:
 * it is queued, and at the next tick the device's history is rewound to a snapshot before it and replayed with the
 * late fixes in their place. Events the replay adds are announced as late corrections; events it no longer produces
 * are withdrawn by retractions. So the events announced, with retractions applied, are the events an in-order run
 * would have produced, whatever order the fixes came in (within the history kept: `historyFixes` per device).
 */
export interface ReplayableCore<Snap, Ev extends { id: string }> {
  /** Processes one input in event-time order; appends what it causes to `out`. */
  step(fix: FixInput, out: Ev[]): number;
  /** Moves a device's event time forward without a position (a heartbeat). */
  advance(tenantId: string, deviceId: string, ts: number, out: Ev[]): number;
  snapshot(tenantId: string, deviceId: string): Snap;
  restore(tenantId: string, deviceId: string, snap: Snap): void;
  /** The event as announced in a correction. */
  asLate(event: Ev): Ev;
  /** An event withdrawing an announced one. */
  retraction(event: Ev): Ev;
}

export interface EventTimeOptions {
  /** How long a fix waits for older ones, ms: of event time (a newer fix) or of wall time (silence). 0 = no wait. */
  reorderWindowMs: number;
  /** Inputs kept per device for replays; a late fix older than these is counted in `beyondHorizon`, not replayed. */
  historyFixes: number;
  /** A snapshot of the device's state every this many inputs: a replay starts from the last one before the late fix. */
  snapshotEvery: number;
  /** Late fixes queued per device before a replay runs without waiting for the tick. */
  maxPendingLate: number;
}

export const DEFAULT_EVENT_TIME_OPTIONS: EventTimeOptions = { reorderWindowMs: 2000, historyFixes: 4096, snapshotEvery: 64, maxPendingLate: 2000 };

export interface EventTimeCounters {
  /** Inputs processed in order (straight away or after the reorder buffer). */
  inOrder: number;
  /** Inputs that arrived after their device's history had moved past them. */
  late: number;
  /** Replays run for late inputs. */
  replays: number;
  /** Events announced as late corrections, and retractions of earlier ones. */
  corrections: number;
  retractions: number;
  /** Late inputs older than the history kept: stored by ingest, but their effect on events is not recomputed. */
  beyondHorizon: number;
  /** Inputs with the same event time as one already processed for the device. */
  duplicates: number;
  /** Late heartbeats: they carry no position, so they cannot change events; dropped. */
  lateHeartbeats: number;
}

interface Held {
  ts: number;
  lat: number; // NaN: a heartbeat
  lon: number;
  accuracy: number | undefined;
  speed: number | undefined;
  arrivedAt: number;
}

interface Snapshot<Snap> {
  /** Position of the last input included; -1 before the first. */
  pos: number;
  ts: number;
  state: Snap;
}

interface Emitted<Ev> {
  pos: number;
  event: Ev;
}

class DeviceTimeline<Snap, Ev> {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly history: FixHistory;
  /** Held by the reorder buffer, ascending event time. */
  held: Held[] = [];
  late: Held[] = [];
  maxSeenTs = Number.NEGATIVE_INFINITY;
  lastTs = Number.NEGATIVE_INFINITY;
  snapshots: Array<Snapshot<Snap>>;
  emitted: Array<Emitted<Ev>> = [];

  constructor(tenantId: string, deviceId: string, historyFixes: number, initial: Snap) {
    this.tenantId = tenantId;
    this.deviceId = deviceId;
    this.history = new FixHistory(historyFixes);
    this.snapshots = [{ pos: -1, ts: Number.NEGATIVE_INFINITY, state: initial }];
  }
}

export class EventTimeProcessor<Snap, Ev extends { id: string }> {
  readonly counters: EventTimeCounters = { inOrder: 0, late: 0, replays: 0, corrections: 0, retractions: 0, beyondHorizon: 0, duplicates: 0, lateHeartbeats: 0 };
  private readonly core: ReplayableCore<Snap, Ev>;
  private readonly opts: EventTimeOptions;
  private readonly devices = new Map<string, Map<string, DeviceTimeline<Snap, Ev>>>();
  /** Devices with held or late inputs: the only ones tick() visits. */
  private readonly dirty = new Set<DeviceTimeline<Snap, Ev>>();
  private readonly scratch: Ev[] = [];
  private readonly replayFix: FixInput = { tenantId: '', deviceId: '', ts: 0, lat: 0, lon: 0 };

  constructor(core: ReplayableCore<Snap, Ev>, opts: EventTimeOptions = DEFAULT_EVENT_TIME_OPTIONS) {
    if (opts.historyFixes <= opts.snapshotEvery) throw new RangeError('historyFixes must exceed snapshotEvery');
    this.core = core;
    this.opts = opts;
  }

  /**
   * Offers a fix received at wall time `now`; appends the events that are due to `out`. With no reorder window and
   * nothing held, an in-order fix is processed straight through, without copying it.
   */
  offer(fix: FixInput, now: number, out: Ev[]): void {
    const d = this.timeline(fix.tenantId, fix.deviceId);
    if (fix.ts > d.maxSeenTs) d.maxSeenTs = fix.ts;
    if (fix.ts === d.lastTs) {
      // The same event time as the last input processed: a replay would drop it as a duplicate too.
      this.counters.duplicates++;
      return;
    }
    if (fix.ts < d.lastTs) {
      this.counters.late++;
      d.late.push(hold(fix.ts, fix.lat, fix.lon, fix.accuracy, fix.speed, now));
      this.dirty.add(d);
      if (d.late.length >= this.opts.maxPendingLate) this.replay(d, out);
      return;
    }
    if (this.opts.reorderWindowMs === 0 && d.held.length === 0) {
      this.counters.inOrder++;
      this.process(d, fix, out);
      return;
    }
    insertHeld(d.held, hold(fix.ts, fix.lat, fix.lon, fix.accuracy, fix.speed, now));
    this.dirty.add(d);
    this.release(d, d.maxSeenTs - this.opts.reorderWindowMs, Number.NEGATIVE_INFINITY, out);
  }

  /** A heartbeat at event time `ts`: completes timers (dwell) of a device that is silent but alive. */
  heartbeat(tenantId: string, deviceId: string, ts: number, now: number, out: Ev[]): void {
    const d = this.timeline(tenantId, deviceId);
    if (ts <= d.lastTs) {
      this.counters.lateHeartbeats++;
      return;
    }
    if (ts > d.maxSeenTs) d.maxSeenTs = ts;
    insertHeld(d.held, hold(ts, Number.NaN, Number.NaN, undefined, undefined, now));
    this.dirty.add(d);
    this.release(d, d.maxSeenTs - this.opts.reorderWindowMs, Number.NEGATIVE_INFINITY, out);
  }

  /** Releases what has waited `reorderWindowMs` of wall time and replays late inputs. Call every ~100 ms. */
  tick(now: number, out: Ev[]): void {
    for (const d of this.dirty) {
      if (d.held.length > 0) this.release(d, Number.NEGATIVE_INFINITY, now - this.opts.reorderWindowMs, out);
      if (d.late.length > 0) this.replay(d, out);
      if (d.held.length === 0 && d.late.length === 0) this.dirty.delete(d);
    }
  }

  /** Releases everything held and replays everything late (shutdown, tests). */
  drain(out: Ev[]): void {
    this.tick(Number.POSITIVE_INFINITY, out);
  }

  private timeline(tenantId: string, deviceId: string): DeviceTimeline<Snap, Ev> {
    let tenant = this.devices.get(tenantId);
    if (!tenant) this.devices.set(tenantId, (tenant = new Map()));
    let d = tenant.get(deviceId);
    if (!d) tenant.set(deviceId, (d = new DeviceTimeline(tenantId, deviceId, this.opts.historyFixes, this.core.snapshot(tenantId, deviceId))));
    return d;
  }

  /** Processes held inputs with event time up to `watermark`, or that arrived by `arrivedBy`, in event-time order. */
  private release(d: DeviceTimeline<Snap, Ev>, watermark: number, arrivedBy: number, out: Ev[]): void {
    const held = d.held;
    let n = 0;
    // Held inputs are in event-time order; one released for its arrival releases everything older with it.
    let last = -1;
    for (let i = 0; i < held.length; i++) if (held[i]!.ts <= watermark || held[i]!.arrivedAt <= arrivedBy) last = i;
    for (; n <= last; n++) this.processHeld(d, held[n]!, out);
    if (n > 0) held.splice(0, n);
    this.counters.inOrder += n;
  }

  private processHeld(d: DeviceTimeline<Snap, Ev>, h: Held, out: Ev[]): void {
    const f = this.replayFix;
    f.tenantId = d.tenantId;
    f.deviceId = d.deviceId;
    f.ts = h.ts;
    f.lat = h.lat;
    f.lon = h.lon;
    f.accuracy = h.accuracy;
    f.speed = h.speed;
    this.process(d, f, out);
  }

  /** Runs one input through the core, records it and what it caused, and snapshots on schedule. */
  private process(d: DeviceTimeline<Snap, Ev>, fix: FixInput, out: Ev[]): void {
    if (fix.ts <= d.lastTs) {
      this.counters.duplicates++;
      return;
    }
    const heartbeat = Number.isNaN(fix.lat);
    const pos = d.history.push(fix.ts, fix.lat, fix.lon, fix.accuracy, fix.speed);
    d.lastTs = fix.ts;
    const scratch = this.scratch;
    scratch.length = 0;
    const n = heartbeat ? this.core.advance(d.tenantId, d.deviceId, fix.ts, scratch) : this.core.step(fix, scratch);
    for (let i = 0; i < n; i++) {
      const event = scratch[i]!;
      d.emitted.push({ pos, event });
      out.push(event);
    }
    if ((pos + 1) % this.opts.snapshotEvery === 0) this.snapshot(d, pos, fix.ts);
  }

  private snapshot(d: DeviceTimeline<Snap, Ev>, pos: number, ts: number): void {
    d.snapshots.push({ pos, ts, state: this.core.snapshot(d.tenantId, d.deviceId) });
    // A snapshot is usable while the inputs after it are still kept.
    let drop = 0;
    while (drop < d.snapshots.length - 1 && d.snapshots[drop]!.pos < d.history.first - 1) drop++;
    if (drop > 0) d.snapshots.splice(0, drop);
    const oldest = d.snapshots[0]!.pos;
    let keep = 0;
    while (keep < d.emitted.length && d.emitted[keep]!.pos <= oldest) keep++;
    if (keep > 0) d.emitted.splice(0, keep);
  }

  /** Rewinds to the last snapshot before the oldest late input and replays the kept history with the late inputs merged in. */
  private replay(d: DeviceTimeline<Snap, Ev>, out: Ev[]): void {
    const late = d.late;
    d.late = [];
    late.sort(byTs);
    const snapshots = d.snapshots;
    let s = snapshots.length - 1;
    while (s >= 0 && snapshots[s]!.ts >= late[0]!.ts) s--;
    let from = 0;
    if (s < 0) {
      // Older than anything kept: it is in the database, but its effect on events can no longer be recomputed here.
      s = 0;
      while (from < late.length && late[from]!.ts <= snapshots[0]!.ts) from++;
      this.counters.beyondHorizon += from;
      if (from === late.length) return;
    }
    this.counters.replays++;
    const base = snapshots[s]!;
    const history = d.history;
    const tail: Held[] = [];
    for (let p = base.pos + 1; p < history.end; p++) {
      const f = history.read(p, this.replayFix);
      tail.push(hold(f.ts, f.lat, f.lon, f.accuracy, f.speed, 0));
    }
    history.truncate(base.pos + 1);
    snapshots.length = s + 1;
    const before = new Map<string, Ev>();
    let keep = d.emitted.length;
    while (keep > 0 && d.emitted[keep - 1]!.pos > base.pos) keep--;
    for (let i = keep; i < d.emitted.length; i++) before.set(d.emitted[i]!.event.id, d.emitted[i]!.event);
    d.emitted.length = keep;
    this.core.restore(d.tenantId, d.deviceId, base.state);
    d.lastTs = base.ts;

    const replayed: Ev[] = [];
    let i = 0;
    let j = from;
    while (i < tail.length || j < late.length) {
      const next = j >= late.length || (i < tail.length && tail[i]!.ts <= late[j]!.ts) ? tail[i++]! : late[j++]!;
      this.processHeld(d, next, replayed);
    }

    for (const event of replayed) {
      if (before.delete(event.id)) continue;
      this.counters.corrections++;
      out.push(this.core.asLate(event));
    }
    for (const event of before.values()) {
      this.counters.retractions++;
      out.push(this.core.retraction(event));
    }
  }
}

function hold(ts: number, lat: number, lon: number, accuracy: number | undefined, speed: number | undefined, arrivedAt: number): Held {
  return { ts, lat, lon, accuracy, speed, arrivedAt };
}

/** Insertion keeping ascending event time; inputs nearly always come in order, so this is usually a push. */
function insertHeld(held: Held[], h: Held): void {
  let i = held.length;
  while (i > 0 && held[i - 1]!.ts > h.ts) i--;
  held.splice(i, 0, h);
}

function byTs(a: Held, b: Held): number {
  return a.ts - b.ts;
}

import type { FixInput } from '../geofence/geofence-core.js';

/**
 * A device's recently processed inputs in event-time order, kept so late fixes can be replayed in their place.
 * Columns in typed arrays (32 bytes per entry instead of a retained message object), in a ring that grows by doubling
 * up to `max` and then forgets the oldest. Entries have absolute positions that never change meaning: `first` is the
 * position of the oldest kept entry, `end` one past the newest. A heartbeat (time only) has NaN coordinates.
 */
export class FixHistory {
  private ts: Float64Array;
  private lat: Float64Array;
  private lon: Float64Array;
  private accuracy: Float32Array;
  private speed: Float32Array;
  private readonly max: number;
  /** Absolute position of the oldest entry kept. */
  first = 0;
  /** One past the newest entry's absolute position. */
  end = 0;

  constructor(max: number, initial = 64) {
    this.max = max;
    const cap = Math.min(max, initial);
    this.ts = new Float64Array(cap);
    this.lat = new Float64Array(cap);
    this.lon = new Float64Array(cap);
    this.accuracy = new Float32Array(cap);
    this.speed = new Float32Array(cap);
  }

  get length(): number {
    return this.end - this.first;
  }

  /** Appends an entry; returns its position. Forgets the oldest when full at `max`. */
  push(ts: number, lat: number, lon: number, accuracy: number | undefined, speed: number | undefined): number {
    if (this.length === this.ts.length) {
      if (this.ts.length < this.max) this.grow();
      else this.first++;
    }
    const slot = this.end % this.ts.length;
    this.ts[slot] = ts;
    this.lat[slot] = lat;
    this.lon[slot] = lon;
    this.accuracy[slot] = accuracy ?? Number.NaN;
    this.speed[slot] = speed ?? Number.NaN;
    return this.end++;
  }

  /** Drops every entry at or after `pos` (they are about to be rewritten in a new order). */
  truncate(pos: number): void {
    this.end = Math.max(this.first, Math.min(this.end, pos));
  }

  tsAt(pos: number): number {
    return this.ts[pos % this.ts.length]!;
  }

  isHeartbeat(pos: number): boolean {
    return Number.isNaN(this.lat[pos % this.ts.length]!);
  }

  /** Fills `into` (reused) with the entry at `pos`. */
  read(pos: number, into: FixInput): FixInput {
    const slot = pos % this.ts.length;
    into.ts = this.ts[slot]!;
    into.lat = this.lat[slot]!;
    into.lon = this.lon[slot]!;
    const accuracy = this.accuracy[slot]!;
    const speed = this.speed[slot]!;
    into.accuracy = Number.isNaN(accuracy) ? undefined : accuracy;
    into.speed = Number.isNaN(speed) ? undefined : speed;
    return into;
  }

  /** Absolute positions are kept: entry p lives in slot p % capacity, so growing re-lays the kept entries. */
  private grow(): void {
    const cap = Math.min(this.max, this.ts.length * 2);
    const next = { ts: new Float64Array(cap), lat: new Float64Array(cap), lon: new Float64Array(cap), accuracy: new Float32Array(cap), speed: new Float32Array(cap) };
    for (let p = this.first; p < this.end; p++) {
      const from = p % this.ts.length;
      const to = p % cap;
      next.ts[to] = this.ts[from]!;
      next.lat[to] = this.lat[from]!;
      next.lon[to] = this.lon[from]!;
      next.accuracy[to] = this.accuracy[from]!;
      next.speed[to] = this.speed[from]!;
    }
    this.ts = next.ts;
    this.lat = next.lat;
    this.lon = next.lon;
    this.accuracy = next.accuracy;
    this.speed = next.speed;
  }
}

import { cellToParent, getResolution, isValidCell, latLngToCell } from 'h3-js';

/**
 * Travel speeds learned from the fleet's own fixes, per H3 cell and hour of week, plus the fleet's detour factor
 * (road distance ÷ great-circle distance). One profile per tenant.
 *
 * Each observation is a stretch of travel — metres covered in seconds, short stops included, because a bus stop
 * or a traffic light is part of the time it takes to cross a cell — added to six sums: its cell and the cell's
 * parent, each for its hour of week and for any hour, and the whole fleet for the hour and for any hour. A speed
 * is the sums' ratio (metres ÷ seconds), which is what makes travel times add up. A lookup starts from the prior
 * and moves through the levels from coarse to fine, each level's own seconds weighed against `shrinkS`
 * pseudo-seconds of the level before: a cell seen for ten seconds barely moves its parent's figure, a cell seen
 * for an hour speaks for itself. A cell-hour holds at most `maxWeightS` seconds, beyond which older travel fades
 * out (an exponential moving average), so the profile follows roadworks and new timetables; the coarser sums are
 * the sums of their cell-hours.
 */

export const HOURS_PER_WEEK = 168;
/** Slot of the any-hour sums, after the 168 hours of the week. */
const ANY_HOUR = HOURS_PER_WEEK;
const SLOTS_PER_CELL = HOURS_PER_WEEK + 1;
/** Cell id 0 is the whole fleet. */
const GLOBAL_ID = 0;
const MS_PER_HOUR = 3_600_000;
/** 1970-01-01 (Unix time 0) was a Thursday, 72 h after the Monday 00:00 that starts hour 0. */
const EPOCH_HOUR_OF_WEEK = 72;
/** A segment is attributed to a cell every this many metres: a res-8 cell is about 1 km across. */
const ATTRIBUTION_STEP_M = 200;
/** Slowest speed a lookup returns, m/s; keeps a cell seen only at a standstill from giving infinite times. */
const FLOOR_SPEED_MS = 0.5;
/** Legs shorter than this say little about the road network (a U-turn at a terminus, a car park). */
const MIN_LEG_CHORD_M = 300;
/** A leg's road distance counts at most this many times its chord, so one loop cannot drag the factor up. */
const MAX_LEG_RATIO = 3;

/**
 * Hour of the week (UTC) of a Unix-ms time: 0 = Monday 00:00–00:59, 167 = Sunday 23:00–23:59. UTC rather than
 * local time keeps the arithmetic pure; a tenant's rush hour moves by one slot across a DST change, which the
 * any-hour and coarser levels absorb.
 */
export function hourOfWeek(ts: number): number {
  const h = (Math.floor(ts / MS_PER_HOUR) + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK;
  return h < 0 ? h + HOURS_PER_WEEK : h;
}

export interface SpeedProfileOptions {
  /** Speed assumed where the fleet has never been, m/s (ETA_DEFAULT_SPEED_MS). */
  priorSpeedMs: number;
  /** Road ÷ great-circle distance assumed before any trip is observed (ETA_DETOUR_FACTOR). */
  priorDetourFactor: number;
  /** H3 resolution of the cells speeds are learned for (8: ~0.7 km² cells). */
  resolution?: number;
  /** H3 resolution of the fallback parent cells (6: ~36 km²). */
  parentResolution?: number;
  /** Pseudo-seconds of the coarser level every finer estimate starts from (see the module comment). */
  shrinkS?: number;
  /** Seconds of travel a sum holds before older travel starts fading out. */
  maxWeightS?: number;
  /** Pseudo-metres of straight-line distance at the prior detour factor the learned factor starts from. */
  detourPriorChordM?: number;
}

export const DEFAULT_PROFILE_TUNING = {
  resolution: 8,
  parentResolution: 6,
  shrinkS: 300,
  maxWeightS: 3600,
  detourPriorChordM: 5000,
} as const;

/**
 * One learned cell-hour, as persisted (`speed_profiles(tenant_id, cell, hour_of_week, n, mean_speed_ms)`).
 * `n` is the weight of the mean: seconds of travel observed in the cell in that hour (capped, faded), not a count
 * of fixes, because a speed averaged over time is what travel times need.
 */
export interface SpeedProfileRow {
  /** H3 index at the profile's resolution, hexadecimal string. */
  cell: string;
  /** 0..167, see hourOfWeek(). */
  hourOfWeek: number;
  n: number;
  meanSpeedMs: number;
}

/** The learned detour factor's sums, persisted next to the rows (the factor is pathM ÷ chordM). */
export interface DetourSums {
  pathM: number;
  chordM: number;
}

export interface ProfileSnapshot {
  rows: SpeedProfileRow[];
  detour: DetourSums;
}

export class SpeedProfile {
  readonly priorSpeedMs: number;
  readonly priorDetourFactor: number;
  readonly resolution: number;
  readonly parentResolution: number;
  private readonly shrinkS: number;
  private readonly maxWeightS: number;
  private readonly detourPriorChordM: number;

  /** Cell (leaf or parent) → small integer id; id 0 is the fleet. */
  private readonly ids = new Map<string, number>([['*', GLOBAL_ID]]);
  private readonly cells: string[] = ['*'];
  /** Parent id of each leaf id; -1 for parents and the fleet. */
  private parentOf = new Int32Array(64).fill(-1);
  /** id × 169 + hour (168: any hour) → index into the sums. */
  private readonly slots = new Map<number, number>();
  private metres = new Float64Array(256);
  private seconds = new Float64Array(256);
  private used = 0;
  private detourPathM = 0;
  private detourChordM = 0;
  /** Change of a cell-hour's sums in the last addToLeaf (a field, not a returned tuple: no allocation). */
  private readonly delta = { metres: 0, seconds: 0 };

  constructor(opts: SpeedProfileOptions) {
    this.priorSpeedMs = opts.priorSpeedMs;
    this.priorDetourFactor = opts.priorDetourFactor;
    this.resolution = opts.resolution ?? DEFAULT_PROFILE_TUNING.resolution;
    this.parentResolution = opts.parentResolution ?? DEFAULT_PROFILE_TUNING.parentResolution;
    this.shrinkS = opts.shrinkS ?? DEFAULT_PROFILE_TUNING.shrinkS;
    this.maxWeightS = opts.maxWeightS ?? DEFAULT_PROFILE_TUNING.maxWeightS;
    this.detourPriorChordM = opts.detourPriorChordM ?? DEFAULT_PROFILE_TUNING.detourPriorChordM;
  }

  /** Learned cells at the profile's resolution. */
  get cellCount(): number {
    let n = 0;
    for (let id = 1; id < this.cells.length; id++) if (this.parentOf[id]! >= 0) n++;
    return n;
  }

  /** H3 cell of a point at the profile's resolution. */
  cellAt(lat: number, lon: number): string {
    return latLngToCell(lat, lon, this.resolution);
  }

  /** The fallback cell of a cell. */
  parentOfCell(cell: string): string {
    return cellToParent(cell, this.parentResolution);
  }

  /** `distanceM` covered in `seconds` within one cell, at an hour of the week. */
  observeInCell(cell: string, hour: number, distanceM: number, seconds: number): void {
    const id = this.intern(cell);
    const parent = this.parentOf[id]!;
    // The coarser sums are kept equal to the sums of their cell-hours, fading included, so that a profile
    // rebuilt from its rows (snapshot, load) is the profile that was saved.
    this.addToLeaf(id * SLOTS_PER_CELL + hour, distanceM, seconds);
    const dm = this.delta.metres;
    const ds = this.delta.seconds;
    this.addTo(id * SLOTS_PER_CELL + ANY_HOUR, dm, ds);
    this.addTo(parent * SLOTS_PER_CELL + hour, dm, ds);
    this.addTo(parent * SLOTS_PER_CELL + ANY_HOUR, dm, ds);
    this.addTo(GLOBAL_ID * SLOTS_PER_CELL + hour, dm, ds);
    this.addTo(GLOBAL_ID * SLOTS_PER_CELL + ANY_HOUR, dm, ds);
  }

  /**
   * Travel from one point to another: `distanceM` (the caller's measure of the road covered) in `seconds`, ending
   * at `ts`. Shared among the cells along the straight line every ATTRIBUTION_STEP_M, so a long gap between fixes
   * does not credit its whole time to one cell.
   */
  observeTravel(
    lat1: number,
    lon1: number,
    lat2: number,
    lon2: number,
    straightM: number,
    distanceM: number,
    seconds: number,
    ts: number,
  ): void {
    const hour = hourOfWeek(ts - (seconds * 1000) / 2);
    const pieces = Math.max(1, Math.ceil(straightM / ATTRIBUTION_STEP_M));
    const d = distanceM / pieces;
    const s = seconds / pieces;
    for (let k = 0; k < pieces; k++) {
      const f = (k + 0.5) / pieces;
      this.observeInCell(latLngToCell(lat1 + f * (lat2 - lat1), lon1 + f * (lon2 - lon1), this.resolution), hour, d, s);
    }
  }

  /** Learned speed at a point and hour, m/s, with the fallbacks of the module comment. */
  speedAt(lat: number, lon: number, hour: number): number {
    const cell = latLngToCell(lat, lon, this.resolution);
    const id = this.ids.get(cell);
    if (id !== undefined) return this.speedOfIds(id, this.parentOf[id]!, hour);
    return this.speedOfIds(-1, this.ids.get(cellToParent(cell, this.parentResolution)) ?? -1, hour);
  }

  /**
   * Adds a point's learned speed to a pool, weighted by its evidence (seconds observed plus the shrinkage
   * pseudo-seconds): the pool's metres ÷ seconds is then the speed of all its cells' travel taken together. Along a
   * straight line that is not the road, this is the right average: a cell the road only clips (a few metres, a
   * minute at a bus stop) must not weigh as much as one the road crosses.
   */
  poolAt(lat: number, lon: number, hour: number, pool: { metres: number; seconds: number }): void {
    const cell = latLngToCell(lat, lon, this.resolution);
    const id = this.ids.get(cell);
    const speed =
      id !== undefined
        ? this.speedOfIds(id, this.parentOf[id]!, hour)
        : this.speedOfIds(-1, this.ids.get(cellToParent(cell, this.parentResolution)) ?? -1, hour);
    const slot = id === undefined ? undefined : this.slots.get(id * SLOTS_PER_CELL + ANY_HOUR);
    const weight = (slot === undefined ? 0 : this.seconds[slot]!) + Math.max(1, this.shrinkS);
    pool.metres += speed * weight;
    pool.seconds += weight;
  }

  /** As speedAt, for a cell and its parent known beforehand (a planned route's pieces). */
  speedOfCell(cell: string, parent: string, hour: number): number {
    const id = this.ids.get(cell);
    if (id !== undefined) return this.speedOfIds(id, this.parentOf[id]!, hour);
    return this.speedOfIds(-1, this.ids.get(parent) ?? -1, hour);
  }

  /** Seconds of travel learned for a cell in an hour of the week (168: any hour); 0 if never seen. */
  weightS(cell: string, hour: number): number {
    const id = this.ids.get(cell);
    const slot = id === undefined ? undefined : this.slots.get(id * SLOTS_PER_CELL + hour);
    return slot === undefined ? 0 : this.seconds[slot]!;
  }

  /** A completed stretch of driving: road distance (sum of the stretch's pieces) and straight-line distance. */
  observeLeg(pathM: number, chordM: number): void {
    if (!(chordM >= MIN_LEG_CHORD_M) || !(pathM > 0)) return;
    this.detourPathM += Math.min(Math.max(pathM, chordM), MAX_LEG_RATIO * chordM);
    this.detourChordM += chordM;
  }

  /** Road distance ÷ great-circle distance, learned, never below 1. */
  detourFactor(): number {
    const k = this.detourPriorChordM;
    return Math.max(1, (this.detourPathM + k * this.priorDetourFactor) / (this.detourChordM + k));
  }

  /** Every learned cell-hour at the profile's resolution; the coarser levels are rebuilt from them on load. */
  snapshot(): ProfileSnapshot {
    const rows: SpeedProfileRow[] = [];
    for (const [key, slot] of this.slots) {
      const id = Math.floor(key / SLOTS_PER_CELL);
      const hour = key - id * SLOTS_PER_CELL;
      if (hour === ANY_HOUR || id === GLOBAL_ID || this.parentOf[id]! < 0) continue;
      const s = this.seconds[slot]!;
      if (s > 0) rows.push({ cell: this.cells[id]!, hourOfWeek: hour, n: s, meanSpeedMs: this.metres[slot]! / s });
    }
    return { rows, detour: { pathM: this.detourPathM, chordM: this.detourChordM } };
  }

  /** Adds persisted rows (and detour sums) as if their travel had been observed now. Invalid rows are skipped. */
  load(snapshot: ProfileSnapshot): number {
    let loaded = 0;
    for (const r of snapshot.rows) {
      if (!Number.isInteger(r.hourOfWeek) || r.hourOfWeek < 0 || r.hourOfWeek >= HOURS_PER_WEEK) continue;
      if (!(r.n > 0) || !(r.meanSpeedMs >= 0) || !Number.isFinite(r.meanSpeedMs * r.n)) continue;
      if (!isValidCell(r.cell) || getResolution(r.cell) !== this.resolution) continue;
      this.observeInCell(r.cell, r.hourOfWeek, r.meanSpeedMs * r.n, r.n);
      loaded++;
    }
    if (snapshot.detour.chordM > 0 && snapshot.detour.pathM >= snapshot.detour.chordM) {
      this.detourPathM += snapshot.detour.pathM;
      this.detourChordM += snapshot.detour.chordM;
    }
    return loaded;
  }

  private speedOfIds(id: number, parent: number, hour: number): number {
    let v = this.priorSpeedMs;
    v = this.shrink(GLOBAL_ID * SLOTS_PER_CELL + ANY_HOUR, v);
    v = this.shrink(GLOBAL_ID * SLOTS_PER_CELL + hour, v);
    if (parent >= 0) {
      v = this.shrink(parent * SLOTS_PER_CELL + ANY_HOUR, v);
      v = this.shrink(parent * SLOTS_PER_CELL + hour, v);
    }
    if (id >= 0) {
      v = this.shrink(id * SLOTS_PER_CELL + ANY_HOUR, v);
      v = this.shrink(id * SLOTS_PER_CELL + hour, v);
    }
    return Math.max(FLOOR_SPEED_MS, v);
  }

  private shrink(key: number, fallbackMs: number): number {
    const slot = this.slots.get(key);
    if (slot === undefined) return fallbackMs;
    return (this.metres[slot]! + this.shrinkS * fallbackMs) / (this.seconds[slot]! + this.shrinkS);
  }

  /** Adds to a cell-hour, fading it past maxWeightS; leaves the change of its sums in `delta`. */
  private addToLeaf(key: number, metres: number, seconds: number): void {
    const slot = this.slotOf(key);
    const m0 = this.metres[slot]!;
    const s0 = this.seconds[slot]!;
    const s1 = s0 + seconds;
    const fade = s1 > this.maxWeightS ? this.maxWeightS / s1 : 1;
    this.metres[slot] = (m0 + metres) * fade;
    this.seconds[slot] = s1 * fade;
    this.delta.metres = this.metres[slot]! - m0;
    this.delta.seconds = this.seconds[slot]! - s0;
  }

  private addTo(key: number, metres: number, seconds: number): void {
    const slot = this.slotOf(key);
    this.metres[slot] = Math.max(0, this.metres[slot]! + metres);
    this.seconds[slot] = Math.max(0, this.seconds[slot]! + seconds);
  }

  private slotOf(key: number): number {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.used === this.seconds.length) {
        this.metres = grow(this.metres, this.used * 2);
        this.seconds = grow(this.seconds, this.used * 2);
      }
      slot = this.used++;
      this.slots.set(key, slot);
    }
    return slot;
  }

  private intern(cell: string): number {
    let id = this.ids.get(cell);
    if (id !== undefined) return id;
    const parent = cellToParent(cell, this.parentResolution);
    let parentId = this.ids.get(parent);
    if (parentId === undefined) parentId = this.newId(parent, -1);
    return this.newId(cell, parentId);
  }

  private newId(cell: string, parentId: number): number {
    const id = this.cells.length;
    this.cells.push(cell);
    this.ids.set(cell, id);
    if (id >= this.parentOf.length) {
      const next = new Int32Array(this.parentOf.length * 2).fill(-1);
      next.set(this.parentOf);
      this.parentOf = next;
    }
    this.parentOf[id] = parentId;
    return id;
  }
}

function grow(a: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(length);
  next.set(a);
  return next;
}

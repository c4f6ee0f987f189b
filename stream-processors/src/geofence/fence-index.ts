import { metresPerDegree } from '@fieldtrace/protocol';
import { CellViewBuilder } from '../geometry/cell-compiler.js';
import { CellStore, recordOffset, SUBCELLS } from '../geometry/cell-view.js';
import { CompiledFence, type FenceDef } from './compiled-fence.js';

export interface FenceIndexOptions {
  /**
   * Grid cell edge, metres (each cell is also split 4 × 4, see SUBCELLS). Smaller cells mean fewer candidates per
   * fix and fewer edges per candidate, but more cells to compile and keep. bench/geofence, 20-vertex fences ~200 m
   * across, 1,000 vehicles (this shared 2-core machine: runs vary ±15%):
   *   100,000 fences: 250 m ~100k points/s, 150 m ~120k, 100 m ~125-170k, 64 m ~130k (before sub-cells);
   *                   index ~290 MB at 250 m, ~400 MB at 100 m, built in 2-4 s
   *   10,000 fences:  100-250 m all ~1.0-1.4M points/s; index ~33 MB at 250 m, ~60 MB at 100 m
   */
  cellSizeM: number;
  /** Largest hysteresis margin: fences are listed in every cell their shape grown by this touches. */
  maxMarginM: number;
  /**
   * A fence covering more cells than this is kept in a short list checked for every fix instead. 16,384 cells of
   * 100 m is a box of ~12.8 km; inside it a big fence costs one 6-number Deep record per cell it fully covers.
   */
  maxCellsPerFence: number;
}

export const DEFAULT_INDEX_OPTIONS: FenceIndexOptions = { cellSizeM: 100, maxCellsPerFence: 16_384, maxMarginM: 25 };

const RAD = Math.PI / 180;
const M_PER_DEG_LAT = metresPerDegree(0).lat;
// A cell's key is row * 2^22 + column, both biased to be positive: unique over the whole globe for cells of 10 m and
// up (|row| < 2^20, |column| < 2^21). Unique matters: a cell is compiled for its own place, so two places must never
// share one (the old 15-bit key wrapped every ~8,000 km). keyOf returns cell key * 16 + sub-cell (see SUBCELLS), an
// exact integer below 2^47; the geofence core only compares keys and hands them back.
const ROW_BIAS = 2 ** 20;
const COL_BIAS = 2 ** 21;
const COL_SPAN = 2 ** 22;
const SUB_KEYS = SUBCELLS * SUBCELLS;
const NO_FENCES: readonly CompiledFence[] = [];
const MAX_SEGMENT_CELLS = 16_384;

// The cell table: open addressing with linear probing over rows of 8 int32s. A lookup reads one row and goes straight
// to the cell's fences (in `owners`) and records (in the CellStore): two dependent loads where a Map of cell objects
// took six (bucket, entry, cell, view, array, elements), which measured 270 against 160 ns per fix at 10,000 fences.
const T_ROW = 0;
const T_COL = 1;
/** Cell id (index into `listed`), -1 for a free row. */
const T_ID = 2;
/** First of the cell's fences in `owners`, -1 while it needs compiling. */
const T_OWNERS = 3;
const T_COUNT = 4;
/** The cell's header in its CellStore chunk, the length of what it wrote there, and which chunk. */
const T_CELL = 5;
const T_LEN = 6;
const T_CHUNK = 7;
const T_STRIDE = 8;
const FREE = -1;

function take(fence: CompiledFence, stamp: number, out: CompiledFence[]): void {
  if (fence.mark === stamp) return;
  fence.mark = stamp;
  out.push(fence);
}

/**
 * A tenant's fences behind a uniform grid. Rows are a fixed height in latitude; within a row, columns are as
 * wide in degrees of longitude as `cellSizeM` is at that row's middle latitude, so cells stay roughly square from
 * the equator to high latitudes. Planar in lon/lat like the protocol's `pointInRing`: not for fences across the
 * antimeridian or a pole.
 *
 * A fence is listed in every cell its box grown by the largest margin touches. The first lookup of a cell after its
 * list changed compiles it (see CellViewBuilder): fences whose shape stays beyond the margin everywhere in the cell
 * drop out, fences covering it deeply need no test, the rest keep only their edges near the cell. collectCell points
 * each fence it hands out at its record there (viewData / viewCell / viewEntry), which the fence's exact tests use for
 * a point in that cell.
 *
 * Why a uniform grid (a spatial hash) rather than H3 or an R-tree: a lookup is one floor per axis and one probe of
 * a flat table, and per-cell compilation wants cells of one simple shape. Measured here, 10,000 fences, 1,000
 * vehicles' fixes, candidate lookup only: this grid 5.2M lookups/s (1.9 candidates per fix); h3-js at resolution 10
 * (~66 m cells, each fence's polygonToCells plus one ring, a Map from cell to fences) 0.78M/s (2.3 candidates) —
 * latLngToCell alone costs more than the whole grid lookup. An R-tree descends through several nodes per query
 * where the grid reads one table row. End-to-end figures: bench/src/geofence.ts.
 */
export class FenceIndex {
  private readonly rowsPerDeg: number;
  private readonly growLatDeg: number;
  private readonly opts: FenceIndexOptions;
  private table = new Int32Array(T_STRIDE * 1024).fill(FREE);
  private mask = 1023;
  /** Rows in use (cells with or without fences). */
  private used = 0;
  /** Fences whose grown box touches each cell, by cell id. */
  private listed: CompiledFence[][] = [];
  /** Compiled cells' fences, cell after cell, and the sub-cells each reaches; `garbage` counts doubles and fences no
   * cell refers to any more. */
  private owners: CompiledFence[] = [];
  private ownerMasks = new Uint16Array(1024);
  private readonly store = new CellStore();
  /** The store's chunks, by the index rows keep in T_CHUNK. */
  private chunks: Float64Array[] = [this.store.data];
  private garbage = 0;
  private readonly builder = new CellViewBuilder<CompiledFence>();
  private readonly byId = new Map<string, CompiledFence>();
  /** Fences too large for the grid; see `maxCellsPerFence`. */
  readonly large: CompiledFence[] = [];

  constructor(opts: FenceIndexOptions = DEFAULT_INDEX_OPTIONS) {
    if (!(opts.cellSizeM >= 10)) throw new RangeError('cellSizeM must be at least 10 m');
    if (!(opts.maxMarginM >= 0)) throw new RangeError('maxMarginM must be 0 or more');
    this.opts = opts;
    this.rowsPerDeg = M_PER_DEG_LAT / opts.cellSizeM;
    this.growLatDeg = opts.maxMarginM / M_PER_DEG_LAT;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): CompiledFence | undefined {
    return this.byId.get(id);
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  all(): IterableIterator<CompiledFence> {
    return this.byId.values();
  }

  /** Adds a fence, or reshapes an existing one in place (same object, so devices inside it stay inside it). */
  upsert(def: FenceDef): CompiledFence {
    let fence = this.byId.get(def.id);
    if (fence) {
      this.unlist(fence);
      fence.redefine(def);
    } else {
      fence = new CompiledFence(def);
      this.byId.set(def.id, fence);
    }
    this.list(fence);
    return fence;
  }

  remove(id: string): boolean {
    const fence = this.byId.get(id);
    if (!fence) return false;
    this.unlist(fence);
    this.byId.delete(id);
    fence.live = false;
    return true;
  }

  /**
   * Compiles every cell whose fences changed since it was last compiled, row by row (neighbouring cells share
   * fences, whose outlines then stay in cache: ~3× faster than the random order fixes visit them in). Optional: a
   * cell compiles on its first lookup anyway; call this after loading fences to keep that work off the per-fix path.
   */
  prepare(): void {
    const t = this.table;
    const pending: number[] = [];
    for (let r = 0; r < t.length; r += T_STRIDE) if (t[r + T_ID] !== FREE && t[r + T_OWNERS]! < 0) pending.push(r);
    pending.sort((a, b) => t[a + T_ROW]! - t[b + T_ROW]! || t[a + T_COL]! - t[b + T_COL]!);
    for (const r of pending) this.compile(r);
  }

  /** The grid cell (and sub-cell) of a point, as a key for collectCell. */
  keyOf(lat: number, lon: number): number {
    const y = lat * this.rowsPerDeg;
    const row = Math.floor(y);
    const x = lon * this.colsPerDeg(row);
    const col = Math.floor(x);
    return cellKey(row, col) * SUB_KEYS + subcell(y - row, x - col);
  }

  /**
   * Appends the fences that come within the max margin of one cell, plus the large ones, each once (see
   * collectAlong for `stamp`), and points each of the cell's fences at its record there.
   */
  collectCell(key: number, stamp: number, out: CompiledFence[]): void {
    const cellPart = Math.floor(key / SUB_KEYS);
    const r = this.findKey(cellPart);
    if (r >= 0) {
      const t = this.table;
      if (t[r + T_OWNERS]! < 0) this.compile(r);
      const first = t[r + T_OWNERS]!;
      const n = t[r + T_COUNT]!;
      const cell = t[r + T_CELL]!;
      const owners = this.owners;
      const masks = this.ownerMasks;
      const bit = 1 << (key - cellPart * SUB_KEYS);
      const data = this.chunks[t[r + T_CHUNK]!]!;
      for (let i = 0; i < n; i++) {
        // Fences that reach other sub-cells only are not even touched: at 100,000 fences each one is a cache miss.
        if ((masks[first + i]! & bit) === 0) continue;
        const fence = owners[first + i]!;
        if (fence.viewData !== data) fence.viewData = data;
        fence.viewCell = cell;
        fence.viewEntry = recordOffset(cell, i);
        take(fence, stamp, out);
      }
    }
    for (let i = 0; i < this.large.length; i++) take(this.large[i]!, stamp, out);
  }

  /** Fences that come within the max margin of the cell of a point (a superset of those containing it). */
  cellFences(lat: number, lon: number): readonly CompiledFence[] {
    const key = this.keyOf(lat, lon);
    const cellPart = Math.floor(key / SUB_KEYS);
    const r = this.findKey(cellPart);
    if (r < 0) return NO_FENCES;
    if (this.table[r + T_OWNERS]! < 0) this.compile(r);
    const first = this.table[r + T_OWNERS]!;
    const bit = 1 << (key - cellPart * SUB_KEYS);
    const found: CompiledFence[] = [];
    for (let i = first; i < first + this.table[r + T_COUNT]!; i++) if ((this.ownerMasks[i]! & bit) !== 0) found.push(this.owners[i]!);
    return found;
  }

  /**
   * Appends to `out` every fence near a cell the segment's bounding box touches, plus the large ones, each once:
   * a fence already carrying `stamp` in `mark` is skipped and every appended one gets it. For crossings between
   * sparse fixes; a box of more than MAX_SEGMENT_CELLS cells (a jump of tens of km) scans every fence instead.
   */
  collectAlong(lat1: number, lon1: number, lat2: number, lon2: number, stamp: number, out: CompiledFence[]): void {
    const row0 = Math.floor(Math.min(lat1, lat2) * this.rowsPerDeg);
    const row1 = Math.floor(Math.max(lat1, lat2) * this.rowsPerDeg);
    const minLon = Math.min(lon1, lon2);
    const maxLon = Math.max(lon1, lon2);
    let cells = 0;
    for (let row = row0; row <= row1 && cells <= MAX_SEGMENT_CELLS; row++) {
      const k = this.colsPerDeg(row);
      cells += Math.floor(maxLon * k) - Math.floor(minLon * k) + 1;
    }
    if (cells > MAX_SEGMENT_CELLS) {
      for (const fence of this.byId.values()) take(fence, stamp, out);
      return;
    }
    const y0 = Math.min(lat1, lat2) * this.rowsPerDeg;
    const y1 = Math.max(lat1, lat2) * this.rowsPerDeg;
    for (let row = row0; row <= row1; row++) {
      const k = this.colsPerDeg(row);
      const x0 = minLon * k;
      const x1 = maxLon * k;
      const col1 = Math.floor(x1);
      // The sub-cell rows (and below, columns) of this cell that the segment's box overlaps.
      const i0 = row === row0 ? subIndex(y0 - row) : 0;
      const i1 = row === row1 ? subIndex(y1 - row) : SUBCELLS - 1;
      for (let col = Math.floor(x0); col <= col1; col++) {
        const r = this.find(row, col);
        if (r < 0) continue;
        if (this.table[r + T_OWNERS]! < 0) this.compile(r);
        const j0 = col === Math.floor(x0) ? subIndex(x0 - col) : 0;
        const j1 = col === col1 ? subIndex(x1 - col) : SUBCELLS - 1;
        let bits = 0;
        for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) bits |= 1 << (i * SUBCELLS + j);
        // Not pointed at these records: the fix lies in one cell only, and collectCell pointed its fences there.
        const first = this.table[r + T_OWNERS]!;
        const end = first + this.table[r + T_COUNT]!;
        for (let i = first; i < end; i++) if ((this.ownerMasks[i]! & bits) !== 0) take(this.owners[i]!, stamp, out);
      }
    }
    for (let i = 0; i < this.large.length; i++) take(this.large[i]!, stamp, out);
  }

  /** Ids of the fences containing a point, no margin: the same answer a scan of every fence gives. */
  containing(lat: number, lon: number, out: string[] = []): string[] {
    const key = this.keyOf(lat, lon);
    const cellPart = Math.floor(key / SUB_KEYS);
    const r = this.findKey(cellPart);
    if (r >= 0) {
      if (this.table[r + T_OWNERS]! < 0) this.compile(r);
      const first = this.table[r + T_OWNERS]!;
      const cell = this.table[r + T_CELL]!;
      const bit = 1 << (key - cellPart * SUB_KEYS);
      for (let i = 0; i < this.table[r + T_COUNT]!; i++) {
        if ((this.ownerMasks[first + i]! & bit) === 0) continue;
        const fence = this.owners[first + i]!;
        fence.viewData = this.chunks[this.table[r + T_CHUNK]!]!;
        fence.viewCell = cell;
        fence.viewEntry = recordOffset(cell, i);
        if (fence.contains(lat, lon)) out.push(fence.id);
      }
    }
    for (let i = 0; i < this.large.length; i++) if (this.large[i]!.contains(lat, lon)) out.push(this.large[i]!.id);
    return out;
  }

  private colsPerDeg(row: number): number {
    const midLat = (row + 0.5) / this.rowsPerDeg;
    return this.rowsPerDeg * Math.max(1e-3, Math.cos(midLat * RAD));
  }

  /** Table row of a cell key (keyOf's key without the sub-cell, as in fence.cellKeys), or -1. */
  private findKey(key: number): number {
    const row = Math.floor(key / COL_SPAN) - ROW_BIAS;
    return this.find(row, key - (row + ROW_BIAS) * COL_SPAN - COL_BIAS);
  }

  /** Table row (offset into `table`) of a cell, or -1. */
  private find(row: number, col: number): number {
    const t = this.table;
    for (let h = hash(row, col) & this.mask; ; h = (h + 1) & this.mask) {
      const r = h * T_STRIDE;
      if (t[r + T_ID] === FREE) return -1;
      if (t[r + T_ROW] === row && t[r + T_COL] === col) return r;
    }
  }

  /** Table row of a cell, added (with no fences) if missing. */
  private findOrAdd(row: number, col: number): number {
    const found = this.find(row, col);
    if (found >= 0) return found;
    if (10 * (this.used + 1) > 7 * (this.mask + 1)) this.rehash();
    const t = this.table;
    let h = hash(row, col) & this.mask;
    while (t[h * T_STRIDE + T_ID] !== FREE) h = (h + 1) & this.mask;
    const r = h * T_STRIDE;
    t[r + T_ROW] = row;
    t[r + T_COL] = col;
    t[r + T_ID] = this.listed.length;
    t[r + T_OWNERS] = -1;
    this.listed.push([]);
    this.used++;
    return r;
  }

  /** Rebuilds the table with room to grow, dropping cells no fence is listed in any more. */
  private rehash(): void {
    const old = this.table;
    const oldListed = this.listed;
    let live = 0;
    for (let r = 0; r < old.length; r += T_STRIDE) if (old[r + T_ID] !== FREE && oldListed[old[r + T_ID]!]!.length > 0) live++;
    // Half full after a rehash, at most 70% before the next: short probes, and a table small enough to stay in cache.
    let size = 1024;
    while (size < 2 * (live + 1)) size *= 2;
    const t = new Int32Array(T_STRIDE * size).fill(FREE);
    const mask = size - 1;
    const listed: CompiledFence[][] = [];
    for (let r = 0; r < old.length; r += T_STRIDE) {
      if (old[r + T_ID] === FREE) continue;
      const fences = oldListed[old[r + T_ID]!]!;
      if (fences.length === 0) {
        if (old[r + T_OWNERS]! >= 0) this.garbage += old[r + T_COUNT]! + old[r + T_LEN]!;
        continue;
      }
      let h = hash(old[r + T_ROW]!, old[r + T_COL]!) & mask;
      while (t[h * T_STRIDE + T_ID] !== FREE) h = (h + 1) & mask;
      t.set(old.subarray(r, r + T_STRIDE), h * T_STRIDE);
      t[h * T_STRIDE + T_ID] = listed.length;
      listed.push(fences);
    }
    this.table = t;
    this.mask = mask;
    this.listed = listed;
    this.used = live;
  }

  private markChanged(r: number): void {
    const t = this.table;
    if (t[r + T_OWNERS]! >= 0) this.garbage += t[r + T_COUNT]! + t[r + T_LEN]!;
    t[r + T_OWNERS] = -1;
  }

  /** Compiles a cell from the same bounds keyOf inverts (CellViewBuilder pads them against rounding). */
  private compile(r: number): void {
    const t = this.table;
    const row = t[r + T_ROW]!;
    const col = t[r + T_COL]!;
    const k = this.colsPerDeg(row);
    const b = this.builder;
    b.reset(row / this.rowsPerDeg, col / k, (row + 1) / this.rowsPerDeg, (col + 1) / k, this.opts.maxMarginM);
    const listed = this.listed[t[r + T_ID]!]!;
    for (let i = 0; i < listed.length; i++) listed[i]!.compileInto(b);
    // Recompiled cells leave their old records behind; once those outweigh the live ones, start both arrays afresh
    // and let every cell compile again on its next lookup (fences still pointing into the old array stay correct).
    if (this.garbage > 1 << 20 && 2 * this.garbage > this.store.written + this.owners.length) this.compact();
    const cell = b.write(this.store);
    if (this.store.data !== this.chunks[this.chunks.length - 1]) this.chunks.push(this.store.data);
    t[r + T_OWNERS] = this.owners.length;
    t[r + T_COUNT] = b.owners.length;
    t[r + T_CELL] = cell;
    t[r + T_LEN] = this.store.end - cell;
    t[r + T_CHUNK] = this.chunks.length - 1;
    const start = this.owners.length;
    if (start + b.owners.length > this.ownerMasks.length) {
      const grown = new Uint16Array(Math.max(2 * this.ownerMasks.length, start + b.owners.length));
      grown.set(this.ownerMasks);
      this.ownerMasks = grown;
    }
    for (let i = 0; i < b.owners.length; i++) {
      this.owners.push(b.owners[i]!);
      this.ownerMasks[start + i] = b.masks[i]!;
    }
  }

  private compact(): void {
    const t = this.table;
    for (let r = 0; r < t.length; r += T_STRIDE) t[r + T_OWNERS] = -1;
    // Let the old chunks go: a fence's pointer would keep one alive until its next lookup.
    for (const fence of this.byId.values()) fence.viewData = null;
    this.owners = [];
    this.ownerMasks = new Uint16Array(1024);
    this.store.clear();
    this.chunks = [this.store.data];
    this.garbage = 0;
  }

  private list(fence: CompiledFence): void {
    const minLat = fence.minLat - this.growLatDeg;
    const maxLat = fence.maxLat + this.growLatDeg;
    // Longitude growth is taken at the box's most poleward latitude, where a metre spans the most degrees.
    const poleward = Math.min(89.9, Math.max(Math.abs(minLat), Math.abs(maxLat)));
    const growLonDeg = this.opts.maxMarginM / metresPerDegree(poleward).lon;
    const minLon = fence.minLon - growLonDeg;
    const maxLon = fence.maxLon + growLonDeg;
    const row0 = Math.floor(minLat * this.rowsPerDeg);
    const row1 = Math.floor(maxLat * this.rowsPerDeg);

    let count = 0;
    for (let row = row0; row <= row1 && count <= this.opts.maxCellsPerFence; row++) {
      const k = this.colsPerDeg(row);
      count += Math.floor(maxLon * k) - Math.floor(minLon * k) + 1;
    }
    if (count > this.opts.maxCellsPerFence) {
      fence.large = true;
      this.large.push(fence);
      return;
    }
    fence.large = false;
    for (let row = row0; row <= row1; row++) {
      const k = this.colsPerDeg(row);
      const col1 = Math.floor(maxLon * k);
      for (let col = Math.floor(minLon * k); col <= col1; col++) {
        const r = this.findOrAdd(row, col);
        this.listed[this.table[r + T_ID]!]!.push(fence);
        this.markChanged(r);
        fence.cellKeys.push(cellKey(row, col));
      }
    }
  }

  private unlist(fence: CompiledFence): void {
    if (fence.large) {
      const i = this.large.indexOf(fence);
      if (i >= 0) this.large.splice(i, 1);
    }
    for (const key of fence.cellKeys) {
      const r = this.findKey(key);
      if (r < 0) continue;
      const listed = this.listed[this.table[r + T_ID]!]!;
      const i = listed.indexOf(fence);
      if (i >= 0) listed.splice(i, 1);
      this.markChanged(r);
    }
    fence.cellKeys = [];
    fence.large = false;
  }
}

function cellKey(row: number, col: number): number {
  return (row + ROW_BIAS) * COL_SPAN + (col + COL_BIAS);
}

/** Sub-cell of a point from its fractional position in its cell (each in [0, 1)), row-major from the south-west. */
function subcell(fy: number, fx: number): number {
  return subIndex(fy) * SUBCELLS + subIndex(fx);
}

function subIndex(f: number): number {
  return Math.max(0, Math.min(SUBCELLS - 1, Math.floor(f * SUBCELLS)));
}

function hash(row: number, col: number): number {
  const h = Math.imul(row, 0x9e3779b1) ^ Math.imul(col, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}

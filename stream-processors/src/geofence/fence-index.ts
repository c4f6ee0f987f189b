import { metresPerDegree } from '@fieldtrace/protocol';
import { CompiledFence, type FenceDef } from './compiled-fence.js';

export interface FenceIndexOptions {
  /** Grid cell edge, metres. ~250 m keeps a typical site fence in 1-4 cells and a cell's list short. */
  cellSizeM: number;
  /** Largest hysteresis margin: fences are listed in every cell their shape grown by this touches. */
  maxMarginM: number;
  /** A fence covering more cells than this is kept in a short list checked for every fix instead. */
  maxCellsPerFence: number;
}

export const DEFAULT_INDEX_OPTIONS: FenceIndexOptions = { cellSizeM: 250, maxCellsPerFence: 4096, maxMarginM: 25 };

const RAD = Math.PI / 180;
const M_PER_DEG_LAT = metresPerDegree(0).lat;
// 15 bits of row and 15 of column: the key stays a small integer (no heap number, fast Map hashing). Cells
// 32,768 rows or columns apart (~8,000 km at 250 m) share a key; the exact test after the lookup sorts them out.
const KEY_BITS = 15;
const KEY_MASK = (1 << KEY_BITS) - 1;
const NO_FENCES: readonly CompiledFence[] = [];
const MAX_SEGMENT_CELLS = 16_384;

function take(fence: CompiledFence, stamp: number, out: CompiledFence[]): void {
  if (fence.mark === stamp) return;
  fence.mark = stamp;
  out.push(fence);
}

/**
 * A tenant's fences behind a uniform grid. Rows are a fixed height in latitude; within a row, columns are as
 * wide in degrees of longitude as `cellSizeM` is at that row's middle latitude, so cells stay roughly square from
 * the equator to high latitudes. (A flat grid with ray casting measured 7.5M points/s here against 0.34M/s for
 * h3-js.) Planar in lon/lat like the protocol's `pointInRing`: not for fences across the antimeridian or a pole.
 */
export class FenceIndex {
  private readonly rowsPerDeg: number;
  private readonly growLatDeg: number;
  private readonly opts: FenceIndexOptions;
  private readonly cells = new Map<number, CompiledFence[]>();
  private readonly byId = new Map<string, CompiledFence>();
  /** Fences too large for the grid; see `maxCellsPerFence`. */
  readonly large: CompiledFence[] = [];

  constructor(opts: FenceIndexOptions = DEFAULT_INDEX_OPTIONS) {
    // A fence spanning fewer cells than the key period can never list itself twice under one aliased key.
    if (opts.maxCellsPerFence >= 1 << KEY_BITS) throw new RangeError('maxCellsPerFence must stay below 32768');
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

  /** The grid cell of a point, as a key for collectCell. */
  keyOf(lat: number, lon: number): number {
    const row = Math.floor(lat * this.rowsPerDeg);
    return cellKey(row, Math.floor(lon * this.colsPerDeg(row)));
  }

  /** Appends the fences listed in one cell plus the large ones, each once (see collectAlong for `stamp`). */
  collectCell(key: number, stamp: number, out: CompiledFence[]): void {
    const listed = this.cells.get(key);
    if (listed) for (let i = 0; i < listed.length; i++) take(listed[i]!, stamp, out);
    for (let i = 0; i < this.large.length; i++) take(this.large[i]!, stamp, out);
  }

  /** Fences listed in the cell of a point (a superset of those containing it, grown by the max margin). */
  cellFences(lat: number, lon: number): readonly CompiledFence[] {
    const row = Math.floor(lat * this.rowsPerDeg);
    const col = Math.floor(lon * this.colsPerDeg(row));
    return this.cells.get(cellKey(row, col)) ?? NO_FENCES;
  }

  /**
   * Appends to `out` every fence listed in a cell the segment's bounding box touches, plus the large ones, each once:
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
    for (let row = row0; row <= row1; row++) {
      const k = this.colsPerDeg(row);
      const col1 = Math.floor(maxLon * k);
      for (let col = Math.floor(minLon * k); col <= col1; col++) {
        const listed = this.cells.get(cellKey(row, col));
        if (listed) for (let i = 0; i < listed.length; i++) take(listed[i]!, stamp, out);
      }
    }
    for (let i = 0; i < this.large.length; i++) take(this.large[i]!, stamp, out);
  }

  /** Ids of the fences containing a point, no margin: the same answer a scan of every fence gives. */
  containing(lat: number, lon: number, out: string[] = []): string[] {
    const listed = this.cellFences(lat, lon);
    for (let i = 0; i < listed.length; i++) if (listed[i]!.contains(lat, lon)) out.push(listed[i]!.id);
    for (let i = 0; i < this.large.length; i++) if (this.large[i]!.contains(lat, lon)) out.push(this.large[i]!.id);
    return out;
  }

  private colsPerDeg(row: number): number {
    const midLat = (row + 0.5) / this.rowsPerDeg;
    return this.rowsPerDeg * Math.max(1e-3, Math.cos(midLat * RAD));
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
        const key = cellKey(row, col);
        let listed = this.cells.get(key);
        if (!listed) {
          listed = [];
          this.cells.set(key, listed);
        }
        listed.push(fence);
        fence.cellKeys.push(key);
      }
    }
  }

  private unlist(fence: CompiledFence): void {
    if (fence.large) {
      const i = this.large.indexOf(fence);
      if (i >= 0) this.large.splice(i, 1);
    }
    for (const key of fence.cellKeys) {
      const listed = this.cells.get(key);
      if (!listed) continue;
      const i = listed.indexOf(fence);
      if (i >= 0) listed.splice(i, 1);
      if (listed.length === 0) this.cells.delete(key);
    }
    fence.cellKeys = [];
    fence.large = false;
  }
}

function cellKey(row: number, col: number): number {
  return ((row & KEY_MASK) << KEY_BITS) | (col & KEY_MASK);
}

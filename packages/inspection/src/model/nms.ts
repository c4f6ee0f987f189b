/**
 * Class-wise greedy non-maximum suppression, deterministic: candidates are visited by class, then score descending,
 * ties broken by their order in the buffer, so the same input always keeps the same boxes.
 *
 * Used once per image over the candidates of all tiles, in full-image coordinates. Besides IoU, boxes from DIFFERENT
 * tiles are also merged when one lies mostly inside the other (intersection over the smaller area ≥ `ios`): an object
 * on a tile seam appears whole in one tile and cut off in its neighbour, and the cut-off part has a low IoU with the
 * whole box however good the model is (the "IOS" match of SAHI, Akyon et al. 2022).
 */
import type { Candidates } from './candidates.js';

export interface NmsOptions {
  /** Suppress a box whose IoU with a kept box of the same class is at least this. */
  iou: number;
  /** Across groups (tiles) only: suppress when intersection / smaller area is at least this; off when absent. */
  ios?: number;
  /** Keep at most this many boxes (best first); unlimited when absent. */
  maxDetections?: number;
}

/** Indices into `c` of the boxes kept, ordered by score descending (ties: buffer order). */
export function nms(c: Candidates, opts: NmsOptions): number[] {
  const n = c.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const { cls, score } = c;
  order.sort((a, b) => (cls[a] as number) - (cls[b] as number) || (score[b] as number) - (score[a] as number) || a - b);

  const ios = opts.ios ?? Infinity;
  const kept: number[] = [];
  let classStart = 0; // index into `kept` where the current class's boxes begin
  let currentCls = Number.NaN;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    if (cls[i] !== currentCls) {
      currentCls = cls[i] as number;
      classStart = kept.length;
    }
    let suppressed = false;
    for (let m = classStart; m < kept.length; m++) {
      if (overlaps(c, i, kept[m] as number, opts.iou, ios)) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  kept.sort((a, b) => (score[b] as number) - (score[a] as number) || a - b);
  return opts.maxDetections === undefined ? kept : kept.slice(0, opts.maxDetections);
}

function overlaps(c: Candidates, i: number, j: number, iouThr: number, iosThr: number): boolean {
  const ix1 = Math.max(c.x1[i] as number, c.x1[j] as number);
  const iy1 = Math.max(c.y1[i] as number, c.y1[j] as number);
  const ix2 = Math.min(c.x2[i] as number, c.x2[j] as number);
  const iy2 = Math.min(c.y2[i] as number, c.y2[j] as number);
  if (ix2 <= ix1 || iy2 <= iy1) return false;
  const inter = (ix2 - ix1) * (iy2 - iy1);
  const ai = ((c.x2[i] as number) - (c.x1[i] as number)) * ((c.y2[i] as number) - (c.y1[i] as number));
  const aj = ((c.x2[j] as number) - (c.x1[j] as number)) * ((c.y2[j] as number) - (c.y1[j] as number));
  if (inter / (ai + aj - inter) >= iouThr) return true;
  return c.group[i] !== c.group[j] && inter / Math.min(ai, aj) >= iosThr;
}

/** IoU of two boxes given as [x1, y1, x2, y2]-like objects. */
export function iou(a: { x1: number; y1: number; x2: number; y2: number }, b: { x1: number; y1: number; x2: number; y2: number }): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

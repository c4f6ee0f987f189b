/**
 * Patch classification → damage boxes: per-patch probabilities (softmax when the model emits logits), the best
 * non-background class kept when it reaches its threshold, and positive patches of one class that overlap or touch
 * merged into one box (their bounding box; confidence = the best patch's).
 */
import type { Candidates } from './candidates.js';

/** Tolerance for deciding that rows are already probabilities (a softmax in float32 sums to 1 within ~1e-6). */
const PROB_SUM_TOLERANCE = 1e-3;

/** True when every row of `out` ([rows, classes]) looks like a probability distribution: values in [0, 1], sum ≈ 1. */
export function rowsAreProbabilities(out: Float32Array, rows: number, classes: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0, p = r * classes; c < classes; c++, p++) {
      const v = out[p] as number;
      if (!(v >= 0 && v <= 1)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > PROB_SUM_TOLERANCE) return false;
  }
  return true;
}

/** In-place softmax of one row (max-subtracted, so large logits do not overflow). */
export function softmaxRow(out: Float32Array, offset: number, classes: number): void {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, out[offset + c] as number);
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp((out[offset + c] as number) - max);
    out[offset + c] = e;
    sum += e;
  }
  for (let c = 0; c < classes; c++) out[offset + c] = (out[offset + c] as number) / sum;
}

/**
 * The best non-background class of a probability row and its probability, or null when it is below its threshold.
 * `isBackground[c]` is 1 for background classes.
 */
export function positiveClass(probs: Float32Array, offset: number, classes: number, isBackground: Uint8Array, thresholds: Float32Array): { cls: number; prob: number } | null {
  let best = -1;
  let bp = -Infinity;
  for (let c = 0; c < classes; c++) {
    if (isBackground[c]) continue;
    const p = probs[offset + c] as number;
    if (p > bp) {
      bp = p;
      best = c;
    }
  }
  if (best < 0 || !(bp >= (thresholds[best] as number))) return null;
  return { cls: best, prob: bp };
}

/**
 * Merges same-class boxes that overlap or touch (shared edge or corner) into connected components; returns one box
 * per component with the component's highest score. Sorted by score descending, then by position, so the result is
 * deterministic.
 *
 * The box is the union's bounding box, unless `core` is given: then it spans the member patches' centres widened by
 * `core` on each side. A patch classifier says "damage near my centre" (it was trained on damage in the central part
 * of the patch), so the centres of the positive patches, not their outer edges, bound where the damage is; with
 * `core` = half the patch stride, one positive patch gives a stride-sized box around its centre.
 */
export function mergeTouching(c: Candidates, core?: number): Array<{ x1: number; y1: number; x2: number; y2: number; score: number; cls: number }> {
  const n = c.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  // Sweep by x1 within each class: only boxes whose x-range reaches the current one can touch it.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (c.cls[a] as number) - (c.cls[b] as number) || (c.x1[a] as number) - (c.x1[b] as number) || a - b);
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    for (let m = k + 1; m < n; m++) {
      const j = order[m] as number;
      if (c.cls[j] !== c.cls[i] || (c.x1[j] as number) > (c.x2[i] as number)) break;
      if ((c.y1[j] as number) <= (c.y2[i] as number) && (c.y1[i] as number) <= (c.y2[j] as number)) {
        const a = find(i);
        const b = find(j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const byRoot = new Map<number, { x1: number; y1: number; x2: number; y2: number; score: number; cls: number }>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    const box = byRoot.get(r);
    if (!box) {
      byRoot.set(r, { x1: c.x1[i] as number, y1: c.y1[i] as number, x2: c.x2[i] as number, y2: c.y2[i] as number, score: c.score[i] as number, cls: c.cls[i] as number });
    } else {
      box.x1 = Math.min(box.x1, c.x1[i] as number);
      box.y1 = Math.min(box.y1, c.y1[i] as number);
      box.x2 = Math.max(box.x2, c.x2[i] as number);
      box.y2 = Math.max(box.y2, c.y2[i] as number);
      box.score = Math.max(box.score, c.score[i] as number);
    }
  }
  if (core !== undefined) {
    const centres = new Map<number, { x1: number; y1: number; x2: number; y2: number }>();
    for (let i = 0; i < n; i++) {
      const r = find(i);
      const cx = ((c.x1[i] as number) + (c.x2[i] as number)) / 2;
      const cy = ((c.y1[i] as number) + (c.y2[i] as number)) / 2;
      const b = centres.get(r);
      if (!b) centres.set(r, { x1: cx, y1: cy, x2: cx, y2: cy });
      else {
        b.x1 = Math.min(b.x1, cx);
        b.y1 = Math.min(b.y1, cy);
        b.x2 = Math.max(b.x2, cx);
        b.y2 = Math.max(b.y2, cy);
      }
    }
    for (const [r, box] of byRoot) {
      const k = centres.get(r)!;
      box.x1 = Math.max(box.x1, k.x1 - core);
      box.y1 = Math.max(box.y1, k.y1 - core);
      box.x2 = Math.min(box.x2, k.x2 + core);
      box.y2 = Math.min(box.y2, k.y2 + core);
    }
  }
  return [...byRoot.values()].sort((a, b) => b.score - a.score || a.cls - b.cls || a.y1 - b.y1 || a.x1 - b.x1);
}

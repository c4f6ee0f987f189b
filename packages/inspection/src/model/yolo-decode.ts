/**
 * Decoding of raw YOLO detection heads into scored boxes.
 *
 *  - "yolov8" (YOLOv8, YOLO11, Ultralytics export): output [B, 4+C, N], channel-major. Per anchor n: cx, cy, w, h in
 *    input pixels, then C class scores (already sigmoid), no objectness. Score = max class score.
 *  - "yolov5" (YOLOv5/YOLOv7 export): output [B, N, 5+C], box-major. Per box: cx, cy, w, h, objectness, then C class
 *    probabilities. Score = obj × cls.
 *
 * One label per box (the best class), as Ultralytics predicts by default; a box is kept when that score reaches the
 * class's threshold.
 */
import type { Candidates } from './candidates.js';

export type YoloLayout = 'yolov8' | 'yolov5';

/**
 * Chooses the layout of a rank-3 output [B, A, D] (dims may be symbolic strings).
 *
 * Rule, with C known: "yolov8" if A = 4+C, "yolov5" if D = 5+C. When both hold (only if the anchor count equals
 * 5+C, e.g. C = 80 with 85 anchors — no real model at a realistic input size) the output is ambiguous and the rule
 * picks the reading in which the anchor count exceeds the per-box width, which is "yolov8"; a sidecar `layout`
 * overrides. Without C: the smaller of A and D is the per-box width (YOLO heads have thousands of anchors and at most
 * a few hundred classes): A < D → "yolov8" with C = A−4, else "yolov5" with C = D−5.
 * Returns null when neither layout fits.
 */
export function detectLayout(dims: ReadonlyArray<number | string>, classCount?: number): { layout: YoloLayout; classCount: number } | null {
  if (dims.length !== 3) return null;
  const a = dims[1];
  const d = dims[2];
  const A = typeof a === 'number' ? a : undefined;
  const D = typeof d === 'number' ? d : undefined;
  if (classCount !== undefined) {
    const v8 = A === 4 + classCount;
    const v5 = D === 5 + classCount;
    if (v8 && v5) return { layout: (D as number) > (A as number) ? 'yolov8' : 'yolov5', classCount };
    if (v8) return { layout: 'yolov8', classCount };
    if (v5) return { layout: 'yolov5', classCount };
    return null;
  }
  if (A !== undefined && (D === undefined || A < D) && A > 4) return { layout: 'yolov8', classCount: A - 4 };
  if (D !== undefined && D > 5) return { layout: 'yolov5', classCount: D - 5 };
  return null;
}

/** Maps model-input pixels to full-image pixels: full = (model − pad) × scale + origin, then clipped. */
export interface BoxTransform {
  padX: number;
  padY: number;
  /** Full-image pixels per model pixel (1 for an unscaled tile; >1 after downscaling the image for the model GSD). */
  scaleX: number;
  scaleY: number;
  originX: number;
  originY: number;
  /** Clip rectangle in full-image pixels (the tile's real content, never the letterbox padding). */
  clipX1: number;
  clipY1: number;
  clipX2: number;
  clipY2: number;
}

export interface DecodeOptions {
  layout: YoloLayout;
  classCount: number;
  /** Minimum score per class id. */
  thresholds: Float32Array;
  transform: BoxTransform;
  /** Stored with each candidate (the tile index). */
  group: number;
}

/**
 * Decoder with scratch arrays sized for one output; reuse one instance per model so that decoding allocates only
 * when the anchor count grows.
 */
export class YoloDecoder {
  private best = new Float32Array(0);
  private bestCls = new Int32Array(0);

  /**
   * Appends the boxes of batch item `b` of `out` (shape `dims`) that pass their class threshold to `sink`, in
   * full-image coordinates. Returns how many were appended.
   */
  decode(out: Float32Array, dims: readonly number[], b: number, opts: DecodeOptions, sink: Candidates): number {
    return opts.layout === 'yolov8' ? this.decodeV8(out, dims, b, opts, sink) : decodeV5(out, dims, b, opts, sink);
  }

  private decodeV8(out: Float32Array, dims: readonly number[], b: number, o: DecodeOptions, sink: Candidates): number {
    const ch = dims[1] as number;
    const n = dims[2] as number;
    if (ch !== 4 + o.classCount) throw new RangeError(`yolov8 output has ${ch} channels, expected ${4 + o.classCount}`);
    if (this.best.length < n) {
      this.best = new Float32Array(n);
      this.bestCls = new Int32Array(n);
    }
    const best = this.best;
    const bestCls = this.bestCls;
    const base = b * ch * n;
    // Channel-major: walk each class row sequentially (cache-friendly) keeping a running max per anchor, instead of
    // striding by N for every anchor.
    best.fill(-Infinity, 0, n);
    for (let c = 0; c < o.classCount; c++) {
      const row = base + (4 + c) * n;
      for (let i = 0; i < n; i++) {
        const s = out[row + i] as number;
        if (s > (best[i] as number)) {
          best[i] = s;
          bestCls[i] = c;
        }
      }
    }
    let added = 0;
    for (let i = 0; i < n; i++) {
      const s = best[i] as number;
      const c = bestCls[i] as number;
      if (!(s >= (o.thresholds[c] as number))) continue;
      if (
        pushBox(sink, o, out[base + i] as number, out[base + n + i] as number, out[base + 2 * n + i] as number, out[base + 3 * n + i] as number, s, c)
      ) {
        added++;
      }
    }
    return added;
  }
}

function decodeV5(out: Float32Array, dims: readonly number[], b: number, o: DecodeOptions, sink: Candidates): number {
  const n = dims[1] as number;
  const w = dims[2] as number;
  if (w !== 5 + o.classCount) throw new RangeError(`yolov5 output has ${w} values per box, expected ${5 + o.classCount}`);
  let minThr = Infinity;
  for (let c = 0; c < o.classCount; c++) minThr = Math.min(minThr, o.thresholds[c] as number);
  let added = 0;
  for (let i = 0, p = b * n * w; i < n; i++, p += w) {
    const obj = out[p + 4] as number;
    // Class probabilities are ≤ 1, so a box whose objectness is below every threshold cannot pass.
    if (!(obj >= minThr)) continue;
    let bc = 0;
    let bs = -Infinity;
    for (let c = 0; c < o.classCount; c++) {
      const s = out[p + 5 + c] as number;
      if (s > bs) {
        bs = s;
        bc = c;
      }
    }
    const score = obj * bs;
    if (!(score >= (o.thresholds[bc] as number))) continue;
    if (pushBox(sink, o, out[p] as number, out[p + 1] as number, out[p + 2] as number, out[p + 3] as number, score, bc)) added++;
  }
  return added;
}

/** Converts centre/size in model pixels to a clipped full-image box; drops boxes that clip to nothing. */
function pushBox(sink: Candidates, o: DecodeOptions, cx: number, cy: number, w: number, h: number, score: number, cls: number): boolean {
  const t = o.transform;
  const x1 = Math.max(t.clipX1, (cx - w / 2 - t.padX) * t.scaleX + t.originX);
  const y1 = Math.max(t.clipY1, (cy - h / 2 - t.padY) * t.scaleY + t.originY);
  const x2 = Math.min(t.clipX2, (cx + w / 2 - t.padX) * t.scaleX + t.originX);
  const y2 = Math.min(t.clipY2, (cy + h / 2 - t.padY) * t.scaleY + t.originY);
  if (!(x2 > x1 && y2 > y1)) return false;
  sink.push(x1, y1, x2, y2, score, cls, o.group);
  return true;
}

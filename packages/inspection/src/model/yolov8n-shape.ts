/**
 * A randomly initialised network with the exact topology and size of Ultralytics YOLOv8 (scale "n" by default), as
 * its ONNX export looks after BatchNorm folding: Conv(+bias)→SiLU everywhere, C2f blocks, SPPF, the PAN neck and the
 * decoupled Detect head with DFL, producing [1, 4+C, 8400] at 640×640. Its weights are noise, so its detections mean
 * nothing; it exists to measure what a real YOLOv8n costs on this hardware (benchmarks) without shipping weights.
 *
 * Topology: ultralytics/cfg/models/v8/yolov8.yaml and ultralytics/nn/modules/{conv,block,head}.py (C2f, Bottleneck,
 * SPPF, Detect, DFL). FLOPs are counted as Ultralytics reports them: 2 × multiply-accumulates of the convolutions.
 */
import { GraphBuilder, attr } from '../onnx/graph-builder.js';

export interface Yolov8ShapeOptions {
  /** Number of classes (80 = COCO, what the published 3.2 M / 8.7 GFLOPs figures use). */
  classes?: number;
  /** Square input size, a multiple of 32. */
  imgsz?: number;
  /** Width multiple and depth multiple of the scale (n: 0.25, 0.33; s: 0.5, 0.33). */
  width?: number;
  depth?: number;
  seed?: number;
  /** A symbolic batch dim instead of Ultralytics' default fixed 1. */
  dynamicBatch?: boolean;
  /**
   * Int8 in QDQ form, as onnxruntime's `quantize_static` writes it for Conv: uint8 activations (Quantize/Dequantize
   * around every conv input and output) and per-channel int8 weights. ORT fuses each DQ→Conv→Q into a QLinearConv
   * (VNNI/AVX2 kernels); SiLU, Concat, pooling stay float. Scales are fixed, not calibrated: fine for timing only.
   */
  int8?: boolean;
}

export interface Yolov8Shape {
  bytes: Uint8Array;
  params: number;
  /** 2 × conv MACs at `imgsz`. */
  flops: number;
  outputDims: [number, number, number];
  classNames: string[];
}

interface T {
  name: string;
  c: number;
  h: number;
  w: number;
}

/** mulberry32 → standard normal (Box–Muller): deterministic weights without a dependency. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

export function buildYolov8Shape(opts: Yolov8ShapeOptions = {}): Yolov8Shape {
  const nc = opts.classes ?? 80;
  const imgsz = opts.imgsz ?? 640;
  const wm = opts.width ?? 0.25;
  const dm = opts.depth ?? 0.33;
  const randn = gaussian(opts.seed ?? 1);
  const b = new GraphBuilder();
  let macs = 0;

  const ch = (c: number) => Math.ceil((Math.min(c, 1024) * wm) / 8) * 8; // make_divisible(min(c, max_channels) × width, 8)
  const rep = (n: number) => Math.max(Math.round(n * dm), 1);

  let params = 0;
  /** Activation quantisation: uint8 with zero point 128 (ORT's fast x86 path is U8S8), range ±6.4. */
  const ACT_SCALE = 0.05;
  const qdq = (name: string): string => {
    const sc = b.initializer('act_scale', [], new Float32Array([ACT_SCALE]));
    const zp = b.initializer('act_zp', [], new Uint8Array([128]), { elemType: 'uint8' });
    return b.op('DequantizeLinear', [b.op('QuantizeLinear', [name, sc, zp]), sc, zp]);
  };

  /** Conv2d with bias (BatchNorm folded), He-initialised so activations stay O(1) through the depth. */
  const conv2d = (x: T, c2: number, k: number, s: number, bias?: number): T => {
    const fanIn = x.c * k * k;
    const w = new Float32Array(c2 * fanIn);
    const sd = Math.sqrt(2 / fanIn);
    for (let i = 0; i < w.length; i++) w[i] = randn() * sd;
    const bv = new Float32Array(c2).fill(bias ?? 0);
    const p = Math.floor(k / 2);
    let weight: string;
    if (opts.int8) {
      // Symmetric per-output-channel int8 weights.
      const wq = new Int8Array(w.length);
      const scales = new Float32Array(c2);
      for (let o = 0; o < c2; o++) {
        let max = 1e-8;
        for (let i = o * fanIn; i < (o + 1) * fanIn; i++) max = Math.max(max, Math.abs(w[i] as number));
        scales[o] = max / 127;
        for (let i = o * fanIn; i < (o + 1) * fanIn; i++) wq[i] = Math.round((w[i] as number) / (scales[o] as number));
      }
      weight = b.op('DequantizeLinear', [b.initializer('wq', [c2, x.c, k, k], wq), b.initializer('w_scale', [c2], scales), b.initializer('w_zp', [c2], new Int8Array(c2))], {
        axis: attr.int(0),
      });
    } else weight = b.initializer('w', [c2, x.c, k, k], w);
    let name = b.op('Conv', [opts.int8 ? qdq(x.name) : x.name, weight, b.initializer('b', [c2], bv)], {
      kernel_shape: attr.ints([k, k]),
      strides: attr.ints([s, s]),
      pads: attr.ints([p, p, p, p]),
    });
    if (opts.int8) name = qdq(name);
    const h = Math.floor((x.h + 2 * p - k) / s) + 1;
    const ww = Math.floor((x.w + 2 * p - k) / s) + 1;
    macs += c2 * h * ww * fanIn;
    params += w.length + c2;
    return { name, c: c2, h, w: ww };
  };
  const silu = (x: T): T => ({ ...x, name: b.op('Mul', [x.name, b.op('Sigmoid', [x.name])]) });
  const conv = (x: T, c2: number, k = 1, s = 1): T => silu(conv2d(x, c2, k, s));
  const concat = (xs: T[]): T => ({ name: b.op('Concat', xs.map((x) => x.name), { axis: attr.int(1) }), c: xs.reduce((a, x) => a + x.c, 0), h: xs[0]!.h, w: xs[0]!.w });
  const add = (a: T, c: T): T => ({ ...a, name: b.op('Add', [a.name, c.name]) });
  const bottleneck = (x: T, shortcut: boolean): T => {
    const y = conv(conv(x, x.c, 3), x.c, 3);
    return shortcut ? add(x, y) : y;
  };
  const c2f = (x: T, c2: number, n: number, shortcut: boolean): T => {
    const c = Math.floor(c2 * 0.5);
    const y = conv(x, 2 * c, 1);
    const [a, bb] = b.opMulti('Split', [y.name, b.initializer('split', [2], new BigInt64Array([BigInt(c), BigInt(c)]))], 2, { axis: attr.int(1) });
    const parts: T[] = [{ name: a!, c, h: y.h, w: y.w }, { name: bb!, c, h: y.h, w: y.w }];
    for (let i = 0; i < n; i++) parts.push(bottleneck(parts[parts.length - 1]!, shortcut));
    return conv(concat(parts), c2, 1);
  };
  const sppf = (x: T, c2: number): T => {
    const y = conv(x, Math.floor(x.c / 2), 1);
    const pool = (t: T): T => ({ ...t, name: b.op('MaxPool', [t.name], { kernel_shape: attr.ints([5, 5]), strides: attr.ints([1, 1]), pads: attr.ints([2, 2, 2, 2]) }) });
    const p1 = pool(y);
    const p2 = pool(p1);
    const p3 = pool(p2);
    return conv(concat([y, p1, p2, p3]), c2, 1);
  };
  const upsample = (x: T): T => ({
    name: b.op('Resize', [x.name, '', b.initializer('scales', [4], new Float32Array([1, 1, 2, 2]))], { mode: attr.string('nearest') }),
    c: x.c,
    h: x.h * 2,
    w: x.w * 2,
  });

  const input: T = { name: b.input('images', [opts.dynamicBatch ? 'batch' : 1, 3, imgsz, imgsz]), c: 3, h: imgsz, w: imgsz };
  // Backbone
  const x0 = conv(input, ch(64), 3, 2);
  const x1 = conv(x0, ch(128), 3, 2);
  const x2 = c2f(x1, ch(128), rep(3), true);
  const x3 = conv(x2, ch(256), 3, 2);
  const x4 = c2f(x3, ch(256), rep(6), true); //            P3/8
  const x5 = conv(x4, ch(512), 3, 2);
  const x6 = c2f(x5, ch(512), rep(6), true); //            P4/16
  const x7 = conv(x6, ch(1024), 3, 2);
  const x8 = c2f(x7, ch(1024), rep(3), true);
  const x9 = sppf(x8, ch(1024)); //                         P5/32
  // PAN neck
  const x12 = c2f(concat([upsample(x9), x6]), ch(512), rep(3), false);
  const x15 = c2f(concat([upsample(x12), x4]), ch(256), rep(3), false); //   P3 out
  const x18 = c2f(concat([conv(x15, ch(256), 3, 2), x12]), ch(512), rep(3), false); //   P4 out
  const x21 = c2f(concat([conv(x18, ch(512), 3, 2), x9]), ch(1024), rep(3), false); //   P5 out

  // Detect head: per level, box branch (4 × reg_max DFL logits) and class branch, concatenated over anchors.
  const regMax = 16;
  const levels = [x15, x18, x21];
  const c2 = Math.max(16, Math.floor(levels[0]!.c / 4), regMax * 4);
  const c3 = Math.max(levels[0]!.c, Math.min(nc, 100));
  const strides = levels.map((l) => imgsz / l.h);
  const flat: string[] = [];
  for (const [i, l] of levels.entries()) {
    const s = strides[i]!;
    const box = conv2d(conv(conv(l, c2, 3), c2, 3), 4 * regMax, 1, 1, 1.0);
    // Ultralytics Detect.bias_init: class prior so that untrained scores start near 0.01/… (few detections).
    const cls = conv2d(conv(conv(l, c3, 3), c3, 3), nc, 1, 1, Math.log(5 / nc / (imgsz / s) ** 2));
    const cat = concat([box, cls]);
    flat.push(b.op('Reshape', [cat.name, b.initializer('shape', [3], new BigInt64Array([BigInt(opts.dynamicBatch ? 0 : 1), BigInt(4 * regMax + nc), -1n]))]));
  }
  const A = levels.reduce((a, l) => a + l.h * l.w, 0);
  const all = b.op('Concat', flat, { axis: attr.int(2) });
  const [boxLogits, clsLogits] = b.opMulti('Split', [all, b.initializer('split', [2], new BigInt64Array([BigInt(4 * regMax), BigInt(nc)]))], 2, { axis: attr.int(1) });
  // DFL: softmax over the 16 bins of each side, expectation via a fixed 1×1 conv with weights 0…15.
  const bins = b.op('Reshape', [boxLogits!, b.initializer('shape', [4], new BigInt64Array([BigInt(opts.dynamicBatch ? 0 : 1), 4n, BigInt(regMax), BigInt(A)]))]);
  const soft = b.op('Softmax', [b.op('Transpose', [bins], { perm: attr.ints([0, 2, 1, 3]) })], { axis: attr.int(1) });
  const dflW = new Float32Array(regMax).map((_, i) => i);
  const dist = b.op('Reshape', [
    b.op('Conv', [soft, b.initializer('dfl', [1, regMax, 1, 1], dflW)], { kernel_shape: attr.ints([1, 1]) }),
    b.initializer('shape', [3], new BigInt64Array([BigInt(opts.dynamicBatch ? 0 : 1), 4n, BigInt(A)])),
  ]);
  // dist2bbox (xywh) × stride, with anchor points at cell centres.
  const anchors = new Float32Array(2 * A);
  const strideT = new Float32Array(A);
  let k = 0;
  for (const [i, l] of levels.entries()) {
    for (let y = 0; y < l.h; y++) {
      for (let x = 0; x < l.w; x++, k++) {
        anchors[k] = x + 0.5;
        anchors[A + k] = y + 0.5;
        strideT[k] = strides[i]!;
      }
    }
  }
  const [lt, rb] = b.opMulti('Split', [dist, b.initializer('split', [2], new BigInt64Array([2n, 2n]))], 2, { axis: attr.int(1) });
  const anc = b.initializer('anchors', [1, 2, A], anchors);
  const x1y1 = b.op('Sub', [anc, lt!]);
  const x2y2 = b.op('Add', [anc, rb!]);
  const cxy = b.op('Mul', [b.op('Add', [x1y1, x2y2]), b.initializer('half', [1], new Float32Array([0.5]))]);
  const wh = b.op('Sub', [x2y2, x1y1]);
  const dbox = b.op('Mul', [b.op('Concat', [cxy, wh], { axis: attr.int(1) }), b.initializer('strides', [1, 1, A], strideT)]);
  b.node('Concat', [dbox, b.op('Sigmoid', [clsLogits!])], ['output0'], { axis: attr.int(1) });
  b.output('output0', [opts.dynamicBatch ? 'batch' : 1, 4 + nc, A]);

  const classNames = Array.from({ length: nc }, (_, i) => `class_${i}`);
  const bytes = b.encode({
    opset: 17,
    producerName: opts.int8 ? 'fieldtrace yolov8-shape int8' : 'fieldtrace yolov8-shape',
    metadata: {
      description: `random-weight YOLOv8 (width ${wm}, depth ${dm}) for benchmarks`,
      task: 'detect',
      stride: '32',
      imgsz: `[${imgsz}, ${imgsz}]`,
      names: `{${classNames.map((n, i) => `${i}: '${n}'`).join(', ')}}`,
    },
  });
  // The DFL conv's 16 fixed weights are not learned (Ultralytics: requires_grad False) but its parameter summary
  // counts them, as here; anchors, strides, shapes, split sizes and quantisation scales are not parameters.
  params += regMax;
  return { bytes, params, flops: 2 * macs, outputDims: [1, 4 + nc, A], classNames };
}

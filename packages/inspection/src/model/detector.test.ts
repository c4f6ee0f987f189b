import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, attr } from '../onnx/graph-builder.js';
import { createRawImage, fillRect } from '../imaging/raw-image.js';
import { encodeJpeg } from '../imaging/decode.js';
import type { Detection } from '../types.js';
import { loadDetector } from './detector.js';

const CLASSES = ['hail', 'missing_shingle', 'lifted_shingle'];
const NAMES_METADATA = `{0: 'hail', 1: "missing_shingle", 2: 'lifted_shingle'}`;

/** One anchor in tile (model-input) pixels: centre, size, class, score (v5: objectness and class probability). */
interface Anchor {
  cx: number;
  cy: number;
  w: number;
  h: number;
  cls: number;
  score: number;
  obj?: number;
}

/**
 * A detection "model" whose output is known: fixed boxes, with every score multiplied by a gate read from the
 * input — the red value of the tile's top-left pixel (0…1). A white pixel at a tile's origin makes that tile fire;
 * black keeps it silent. So one test image decides exactly which tiles report which boxes.
 */
function gatedYoloModel(layout: 'yolov8' | 'yolov5', anchors: Anchor[], opts: { gated: boolean; metadata?: Record<string, string> }): Uint8Array {
  const C = CLASSES.length;
  const N = anchors.length;
  const b = new GraphBuilder();
  const x = b.input('images', ['batch', 3, 640, 640]);
  const rows = layout === 'yolov8' ? 4 + C : N;
  const cols = layout === 'yolov8' ? N : 5 + C;
  const boxes = new Float32Array(rows * cols);
  const scores = new Float32Array(rows * cols);
  anchors.forEach((a, n) => {
    if (layout === 'yolov8') {
      [a.cx, a.cy, a.w, a.h].forEach((v, ch) => (boxes[ch * N + n] = v));
      scores[(4 + a.cls) * N + n] = a.score;
    } else {
      [a.cx, a.cy, a.w, a.h].forEach((v, ch) => (boxes[n * cols + ch] = v));
      scores[n * cols + 4] = a.obj ?? 1;
      scores[n * cols + 5 + a.cls] = a.score;
    }
  });
  const boxT = b.initializer('boxes', [1, rows, cols], boxes);
  const scoreT = b.initializer('scores', [1, rows, cols], scores);
  let gatedScores = scoreT;
  if (opts.gated) {
    const i64 = (v: bigint[]) => new BigInt64Array(v);
    const corner = b.op('Slice', [x, b.initializer('starts', [3], i64([0n, 0n, 0n])), b.initializer('ends', [3], i64([1n, 1n, 1n])), b.initializer('axes', [3], i64([1n, 2n, 3n]))]);
    const gate = b.op('Reshape', [corner, b.initializer('shape', [3], i64([-1n, 1n, 1n]))]);
    gatedScores = b.op('Mul', [scoreT, gate]);
  } else {
    // Ties the output's batch dim to the input's: scores × (0 × mean(input) + 1).
    const m = b.op('ReduceMean', [x], { axes: attr.ints([1, 2, 3]), keepdims: attr.int(0) });
    const one = b.op('Add', [b.op('Mul', [m, b.initializer('zero', [1], new Float32Array([0]))]), b.initializer('one', [1], new Float32Array([1]))]);
    gatedScores = b.op('Mul', [scoreT, b.op('Reshape', [one, b.initializer('shape', [3], new BigInt64Array([-1n, 1n, 1n]))])]);
  }
  b.node('Add', [boxT, gatedScores], ['output0']);
  b.output('output0', ['batch', rows, cols]);
  return b.encode({ opset: 17, producerName: 'fieldtrace-test', metadata: opts.metadata ?? {} });
}

async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ft-detector-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function rounded(dets: Detection[]) {
  return dets.map((d) => ({
    cls: d.className,
    box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2].map((v) => Math.round(v * 100) / 100),
    conf: Math.round(d.confidence * 1e4) / 1e4,
  }));
}

// Tile anchors (640×640 model input). 1280×720 with 20% overlap → tile origins x ∈ {0, 512, 640}, y ∈ {0, 80}.
const ANCHORS: Anchor[] = [
  { cx: 100, cy: 100, w: 40, h: 40, cls: 0, score: 0.9 }, //   hail, kept
  { cx: 102, cy: 101, w: 40, h: 40, cls: 0, score: 0.8 }, //   duplicate of the first: suppressed
  { cx: 100, cy: 100, w: 40, h: 40, cls: 1, score: 0.7 }, //   same place, other class: kept
  { cx: 300, cy: 300, w: 50, h: 30, cls: 2, score: 0.2 }, //   below the default 0.25: dropped
  { cx: 400, cy: 200, w: 20, h: 20, cls: 0, score: 0.55 }, //  hail below its own 0.6: dropped
  { cx: 500, cy: 500, w: 60, h: 60, cls: 1, score: 0.61 }, //  kept
  { cx: 620, cy: 20, w: 60, h: 20, cls: 2, score: 0.95 }, //   crosses the tile's right edge: clipped
  { cx: 320, cy: 320, w: 8, h: 8, cls: 0, score: 0.3 }, //     hail below 0.6 again
  { cx: 10, cy: 630, w: 10, h: 10, cls: 1, score: 0.26 }, //   kept, low score
  { cx: 64, cy: 64, w: 16, h: 16, cls: 2, score: 0.25 }, //    exactly at the threshold: kept
];

/** The image: black, with white pixels at the origins of the tiles (0,0) and (640,80) only. */
function gatedImage() {
  const img = createRawImage(1280, 720);
  fillRect(img, 0, 0, 1, 1, [255, 255, 255]);
  fillRect(img, 640, 80, 1, 1, [255, 255, 255]);
  return img;
}

/** Expected detections: the anchors that pass, shifted by the two firing tiles' origins, clipped to the tile. */
const EXPECTED = [
  { cls: 'lifted_shingle', box: [590, 10, 640, 30], conf: 0.95 },
  { cls: 'lifted_shingle', box: [1230, 90, 1280, 110], conf: 0.95 },
  { cls: 'hail', box: [80, 80, 120, 120], conf: 0.9 },
  { cls: 'hail', box: [720, 160, 760, 200], conf: 0.9 },
  { cls: 'missing_shingle', box: [80, 80, 120, 120], conf: 0.7 },
  { cls: 'missing_shingle', box: [720, 160, 760, 200], conf: 0.7 },
  { cls: 'missing_shingle', box: [470, 470, 530, 530], conf: 0.61 },
  { cls: 'missing_shingle', box: [1110, 550, 1170, 610], conf: 0.61 },
  { cls: 'missing_shingle', box: [5, 625, 15, 635], conf: 0.26 },
  { cls: 'missing_shingle', box: [645, 705, 655, 715], conf: 0.26 },
  { cls: 'lifted_shingle', box: [56, 56, 72, 72], conf: 0.25 },
  { cls: 'lifted_shingle', box: [696, 136, 712, 152], conf: 0.25 },
].sort((a, b) => b.conf - a.conf);

function sortDets<T extends { conf: number; cls: string; box: number[] }>(d: T[]): T[] {
  return [...d].sort((a, b) => b.conf - a.conf || a.cls.localeCompare(b.cls) || (a.box[0] as number) - (b.box[0] as number));
}

test('yolov8 layout: class names from Ultralytics metadata, tiles mapped to the full image, NMS and thresholds', async () => {
  await withTmp(async (dir) => {
    const modelPath = join(dir, 'v8.onnx');
    await writeFile(modelPath, gatedYoloModel('yolov8', ANCHORS, { gated: true, metadata: { names: NAMES_METADATA, task: 'detect', imgsz: '[640, 640]' } }));
    const det = await loadDetector({ modelPath, threads: 1, batchSize: 4, thresholds: { hail: 0.6 } });
    try {
      assert.deepEqual(det.config.classes, CLASSES);
      assert.equal(det.config.layout, 'yolov8');
      assert.equal(det.name, 'v8@0');
      const r = await det.detect(gatedImage());
      assert.equal(r.stats.tiles, 6);
      assert.deepEqual([r.width, r.height], [1280, 720]);
      assert.deepEqual(sortDets(rounded(r.detections)), sortDets(EXPECTED));
      const scores = r.detections.map((d) => d.confidence);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best first');
    } finally {
      await det.close();
    }
  });
});

test('yolov5 layout (auto-detected) gives the same detections; a sidecar supplies names and thresholds', async () => {
  await withTmp(async (dir) => {
    const modelPath = join(dir, 'v5.onnx');
    await writeFile(modelPath, gatedYoloModel('yolov5', ANCHORS, { gated: true }));
    await writeFile(join(dir, 'v5.json'), JSON.stringify({ name: 'roof-v5', version: '2', task: 'detect', classes: CLASSES, thresholds: { default: 0.25, hail: 0.6 } }));
    const det = await loadDetector({ modelPath, threads: 1 }); // sidecar found next to the model; batch 1
    try {
      assert.equal(det.name, 'roof-v5@2');
      assert.equal(det.config.layout, 'yolov5');
      assert.equal(det.batchSize, 1);
      const r = await det.detect(await encodeJpeg(gatedImage(), { quality: 100 }));
      assert.equal(r.stats.tiles, 6);
      assert.deepEqual(sortDets(rounded(r.detections)), sortDets(EXPECTED));
    } finally {
      await det.close();
    }
  });
});

test('yolov5 on an image smaller than a tile: letterbox offsets removed, objectness × class, boxes in padding dropped', async () => {
  await withTmp(async (dir) => {
    const modelPath = join(dir, 'small.onnx');
    // 320×200 image → padX 160, padY 220.
    const anchors: Anchor[] = [
      { cx: 210, cy: 260, w: 20, h: 20, cls: 0, obj: 0.9, score: 0.8 }, //   → (40,30)-(60,50), 0.72
      { cx: 170, cy: 240, w: 40, h: 20, cls: 1, obj: 0.5, score: 0.4 }, //   0.2 < 0.25
      { cx: 170, cy: 300, w: 40, h: 20, cls: 2, obj: 0.3, score: 0.99 }, //  crosses the left pad → x clipped to 0; 0.297
      { cx: 100, cy: 100, w: 20, h: 20, cls: 0, obj: 1, score: 1 }, //      entirely in the padding
    ];
    await writeFile(modelPath, gatedYoloModel('yolov5', anchors, { gated: false, metadata: { names: NAMES_METADATA } }));
    const det = await loadDetector({ modelPath, threads: 1 });
    try {
      const r = await det.detect(createRawImage(320, 200));
      assert.equal(r.stats.tiles, 1);
      assert.deepEqual(sortDets(rounded(r.detections)), [
        { cls: 'hail', box: [40, 30, 60, 50], conf: 0.72 },
        { cls: 'lifted_shingle', box: [0, 70, 30, 90], conf: 0.297 },
      ]);
    } finally {
      await det.close();
    }
  });
});

test('gsdM: a sharper image is downscaled to the model GSD and the boxes mapped back', async () => {
  await withTmp(async (dir) => {
    const modelPath = join(dir, 'gsd.onnx');
    await writeFile(modelPath, gatedYoloModel('yolov8', [{ cx: 330, cy: 270, w: 20, h: 40, cls: 0, score: 0.9 }], { gated: false, metadata: { names: NAMES_METADATA } }));
    await writeFile(join(dir, 'gsd.json'), JSON.stringify({ gsdM: 0.02 }));
    const det = await loadDetector({ modelPath, threads: 1 });
    try {
      // 1280×720 at 0.01 m/px → 640×360 at 0.02: one tile, padY 140; box (320,250)-(340,290) → (320,110)-(340,150) ×2.
      const r = await det.detect(createRawImage(1280, 720), { gsdM: 0.01 });
      assert.equal(r.stats.tiles, 1);
      assert.deepEqual(rounded(r.detections), [{ cls: 'hail', box: [640, 220, 680, 300], conf: 0.9 }]);
      const coarse = await det.detect(createRawImage(1280, 720), { gsdM: 0.03 });
      assert.equal(coarse.stats.tiles, 6, 'a coarser image is not upscaled');
    } finally {
      await det.close();
    }
  });
});

/**
 * A patch classifier: mean RGB of the 32×32 patch → logits [1, 10r − 5, 10g − 5] for [none, hail, missing_shingle]
 * (no softmax in the graph: the detector must apply it).
 */
function brightnessClassifier(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('input', ['batch', 3, 32, 32]);
  const flat = b.op('Flatten', [b.op('GlobalAveragePool', [x])], { axis: attr.int(1) });
  b.node('Gemm', [flat, b.initializer('w', [3, 3], new Float32Array([0, 0, 0, 10, 0, 0, 0, 10, 0])), b.initializer('b', [3], new Float32Array([1, -5, -5]))], ['logits'], {
    transB: attr.int(1),
  });
  b.output('logits', ['batch', 3]);
  return b.encode({ opset: 17 });
}

test('classification: positive patches of a class merge into one box around their centres, background never reported, logits softmaxed', async () => {
  await withTmp(async (dir) => {
    const modelPath = join(dir, 'cls.onnx');
    await writeFile(modelPath, brightnessClassifier());
    const configPath = join(dir, 'cls-config.json');
    await writeFile(configPath, JSON.stringify({ name: 'patches', task: 'classify', classes: ['none', 'hail', 'missing_shingle'], background: ['none'], input: { width: 32, height: 32 }, patchStride: 0.5 }));
    const det = await loadDetector({ modelPath, configPath, threads: 1, batchSize: 16 });
    try {
      const img = createRawImage(256, 128);
      fillRect(img, 64, 32, 64, 64, [255, 0, 0]); //   3×3 fully red patches, overlapping → one hail box
      fillRect(img, 0, 96, 32, 32, [255, 0, 0]); //    a separate hail patch
      fillRect(img, 192, 0, 32, 32, [0, 255, 0]); //   a missing_shingle patch
      const r = await det.detect(img);
      assert.equal(r.stats.tiles, 15 * 7);
      const p = Math.exp(5) / (Math.exp(1) + Math.exp(5) + Math.exp(-5));
      const conf = Math.round(p * 1e4) / 1e4;
      // Boxes span the positive patches' centres ± half a stride (8 px): the classifier says "damage near my centre".
      assert.deepEqual(sortDets(rounded(r.detections)), sortDets([
        { cls: 'hail', box: [72, 40, 120, 88], conf },
        { cls: 'hail', box: [8, 104, 24, 120], conf },
        { cls: 'missing_shingle', box: [200, 8, 216, 24], conf },
      ]));
    } finally {
      await det.close();
    }
  });
});

test('a detect model without class names or a readable layout is refused with the reason', async () => {
  await withTmp(async (dir) => {
    const modelPath = join(dir, 'bad.onnx');
    await writeFile(modelPath, gatedYoloModel('yolov8', ANCHORS, { gated: false }));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ classes: ['a', 'b'] }));
    await assert.rejects(loadDetector({ modelPath, threads: 1 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'FT_MODEL_CONFIG_INVALID');
      assert.match(err.message, /bad\.json/);
      assert.match(err.message, /fits neither yolov8 \[B, 6, N\] nor yolov5 \[B, N, 7\]/);
      return true;
    });
  });
});

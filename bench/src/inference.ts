/**
 * bench/inference — damage-model throughput on 20 MP drone pictures (5472×3648, the default camera profile), on this
 * machine's CPU with onnxruntime-node.
 *
 * Models:
 *  (a) a YOLOv8n-shaped network with random weights (@fieldtrace/inspection buildYolov8Shape: the real topology, 3.2 M
 *      parameters, 8.7 GFLOPs at 640×640, output [1, 84, 8400]) run over 640×640 tiles with 20% overlap at the
 *      picture's full resolution in float32 and quantised to int8 (QDQ), and in float32 with the picture downscaled
 *      2× first (a model trained at twice the GSD);
 *  (b) the shipped demo model (packages/inspection/models/roof-damage-demo.onnx + .json), when it has been built.
 * The picture is a JPEG generated in-process (smooth texture, shapes and grain; ~6 MB) so decoding costs what a real
 * one does. Each picture is decoded, tiled, inferred and post-processed separately; figures are medians over
 * --images pictures after one warm-up.
 *
 * Target (issue 6): ≥ 0.17 images/s at 20 MP with the YOLOv8n-sized model — a 100-image flight in under 10 minutes.
 * Usage: npm run bench:inference -- [--images 5] [--threads N] [--spinning] [--gsd 0.008] [--skip-demo]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { buildYolov8Shape, decodeImage, loadDetector, type Detector } from '@fieldtrace/inspection';
import { fmt, median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '5' },
    threads: { type: 'string' },
    gsd: { type: 'string', default: '0.008' },
    'skip-demo': { type: 'boolean', default: false },
    spinning: { type: 'boolean', default: false },
  },
});
const IMAGES = Math.max(1, Number(args.images));
/** Picture GSD, m/px, given to models that declare a gsdM: 0.008 ≈ 30 m above the roof with fx = 3648 px. */
const PICTURE_GSD_M = Number(args.gsd);
const THREADS = args.threads === undefined ? availableParallelism() : Number(args.threads);
/** ORT thread spinning (off by default in the detector; see LoadDetectorOptions.spinning). */
const SPINNING = args.spinning === true;
const WIDTH = 5472;
const HEIGHT = 3648;
const TARGET_IMAGES_PER_S = 0.17;
/** Ultralytics' published YOLOv8n figures (fused, 80 classes, 640): 3.2 M parameters, 8.7 GFLOPs. */
const REF_PARAMS = 3.2e6;
const REF_GFLOPS = 8.7;
const DEMO_MODEL = fileURLToPath(new URL('../../packages/inspection/models/roof-damage-demo.onnx', import.meta.url));

/** A 20 MP JPEG with texture at several scales: decoding it costs what a drone picture does. */
async function makeTestJpeg(): Promise<Buffer> {
  const base = await sharp({ create: { width: WIDTH >> 3, height: HEIGHT >> 3, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 40 } } })
    .png()
    .toBuffer();
  const grain = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 16 } } })
    .raw()
    .toBuffer();
  let svg = `<svg width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">`;
  for (let i = 0; i < 300; i++) {
    const x = (i * 7919) % WIDTH;
    const y = (i * 104729) % HEIGHT;
    const s = 20 + ((i * 37) % 200);
    svg +=
      i % 2
        ? `<rect x="${x}" y="${y}" width="${s}" height="${s / 2}" fill="rgb(${(i * 50) % 255},${(i * 90) % 255},${(i * 20) % 255})"/>`
        : `<circle cx="${x}" cy="${y}" r="${s / 3}" fill="rgb(${(i * 13) % 255},40,${(i * 70) % 255})"/>`;
  }
  svg += '</svg>';
  return sharp(base)
    .resize(WIDTH, HEIGHT, { kernel: 'cubic' })
    .composite([{ input: Buffer.from(svg) }, { input: grain, raw: { width: WIDTH, height: HEIGHT, channels: 3 }, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

interface Run {
  decodeMs: number;
  prepMs: number;
  inferMs: number;
  postMs: number;
  totalMs: number;
  tiles: number;
  detections: number;
}

async function measure(det: Detector, jpeg: Buffer, detectOpts: { gsdM?: number }): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i <= IMAGES; i++) {
    const t0 = performance.now();
    const img = await decodeImage(jpeg);
    const decodeMs = performance.now() - t0;
    const r = await det.detect(img, detectOpts);
    const totalMs = performance.now() - t0;
    const run = { decodeMs, prepMs: r.stats.preprocessMs, inferMs: r.stats.inferMs, postMs: r.stats.postprocessMs, totalMs, tiles: r.stats.tiles, detections: r.detections.length };
    if (i > 0) runs.push(run); // the first picture warms up ORT's arenas and sharp's caches
    process.stdout.write(`    ${i === 0 ? 'warm-up' : `image ${i}/${IMAGES}`}: ${fmt(totalMs / 1000, 2)} s\n`);
  }
  return runs;
}

function report(label: string, runs: Run[], withTarget: boolean): void {
  const m = (f: (r: Run) => number) => median(runs.map(f));
  const tiles = runs[0]!.tiles;
  const total = m((r) => r.totalMs);
  const ips = 1000 / total;
  console.log(`  ${label}`);
  console.log(`    tiles per image             ${tiles}`);
  console.log(`    decode (sharp, JPEG → RGB)  ${fmt(m((r) => r.decodeMs))} ms`);
  console.log(`    preprocess (resize + tensor) ${fmt(m((r) => r.prepMs))} ms`);
  console.log(`    inference (ORT)             ${fmt(m((r) => r.inferMs))} ms   = ${fmt(m((r) => r.inferMs) / tiles, 1)} ms per tile`);
  console.log(`    decode boxes + NMS          ${fmt(m((r) => r.postMs), 1)} ms   (${m((r) => r.detections)} detections)`);
  console.log(`    total per image             ${fmt(total)} ms   = ${fmt(ips, 3)} images/s; 100 images in ${fmt((100 * total) / 60000, 1)} min`);
  if (withTarget) {
    const ok = ips >= TARGET_IMAGES_PER_S;
    console.log(`    target ≥ ${TARGET_IMAGES_PER_S} images/s (100 images < 10 min): ${ok ? 'MET' : `NOT MET (${fmt((ips / TARGET_IMAGES_PER_S) * 100)}% of target)`}`);
  }
}

async function main(): Promise<void> {
  console.log(`bench/inference — ${WIDTH}×${HEIGHT} JPEG, ${IMAGES} images (median), ORT threads ${THREADS}${SPINNING ? ' (spinning)' : ''}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}`);
  const tGen = performance.now();
  const jpeg = await makeTestJpeg();
  console.log(`  test picture: ${fmt(jpeg.length / 1e6, 1)} MB JPEG (generated in ${fmt((performance.now() - tGen) / 1000, 1)} s)\n`);

  const dir = await mkdtemp(join(tmpdir(), 'ft-bench-inference-'));
  try {
    // (a) YOLOv8n-shaped, random weights.
    const v8 = buildYolov8Shape({ seed: 1 });
    const p = v8.params;
    const g = v8.flops / 1e9;
    console.log(`(a) YOLOv8n-shaped network, random weights: output [${v8.outputDims.join(', ')}]`);
    console.log(`    parameters ${fmt(p / 1e6, 3)} M (reference ${REF_PARAMS / 1e6} M, ${fmt(((p - REF_PARAMS) / REF_PARAMS) * 100, 1)}%)`);
    console.log(`    GFLOPs     ${fmt(g, 2)} at 640×640 (reference ${REF_GFLOPS}, ${fmt(((g - REF_GFLOPS) / REF_GFLOPS) * 100, 1)}%)`);
    const modelPath = join(dir, 'yolov8n-shape.onnx');
    await writeFile(modelPath, v8.bytes);
    // Full resolution: the model's GSD equals the picture's.
    const native = await loadDetector({ modelPath, threads: THREADS, spinning: SPINNING });
    const nativeRuns = await measure(native, jpeg, {});
    await native.close();
    report('float32, full resolution (640×640 tiles, 20% overlap)', nativeRuns, true);
    // The same network quantised to int8 (QDQ, what onnxruntime's quantize_static produces): ORT runs QLinearConv.
    const int8Path = join(dir, 'yolov8n-shape-int8.onnx');
    await writeFile(int8Path, buildYolov8Shape({ seed: 1, int8: true }).bytes);
    const q = await loadDetector({ modelPath: int8Path, threads: THREADS, spinning: SPINNING });
    const int8Runs = await measure(q, jpeg, {});
    await q.close();
    report('int8 (QDQ → QLinearConv), full resolution', int8Runs, true);
    // Model trained at twice the picture's GSD: the picture is downscaled 2× before tiling.
    await writeFile(join(dir, 'yolov8n-shape.json'), JSON.stringify({ gsdM: 0.02 }));
    const half = await loadDetector({ modelPath, threads: THREADS, spinning: SPINNING });
    const halfRuns = await measure(half, jpeg, { gsdM: 0.01 });
    await half.close();
    report('float32, picture downscaled 2× first (model gsdM = 2 × picture GSD)', halfRuns, true);

    // (b) the demo model.
    console.log('');
    if (args['skip-demo']) console.log('(b) demo model: skipped (--skip-demo)');
    else if (!existsSync(DEMO_MODEL)) console.log(`(b) demo model: skipped, ${DEMO_MODEL} does not exist yet (build it with the demo-model script)`);
    else {
      const demo = await loadDetector({ modelPath: DEMO_MODEL, threads: THREADS, spinning: SPINNING });
      const c = demo.config;
      console.log(`(b) demo model ${demo.name}: ${c.task}, input ${c.input.width}×${c.input.height}, batch ${demo.batchSize}${c.gsdM ? `, gsdM ${c.gsdM}` : ''}`);
      const runs = await measure(demo, jpeg, { gsdM: PICTURE_GSD_M });
      await demo.close();
      const scaled = c.gsdM !== undefined && PICTURE_GSD_M < c.gsdM ? `, picture at ${PICTURE_GSD_M} m/px downscaled to ${c.gsdM}` : '';
      report(`${c.task === 'classify' ? `patches at stride ${c.patchStride}` : `tiles at overlap ${c.tileOverlap}`}${scaled}`, runs, false);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\npeak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MB; load average at the end ${loadavg().map((l) => fmt(l, 2)).join(' ')} (other work on the box slows every figure)`);
}

await main();

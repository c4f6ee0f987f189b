#!/usr/bin/env node
// @ts-check
/**
 * Builds the demo roof-damage classifier shipped in models/: renders labelled 64×64 patches at 2 cm/px
 * (src/synthetic/patches.ts), trains a compact CNN with @tensorflow/tfjs on the pure-JS CPU backend, exports it to
 * ONNX with the package's graph builder, checks onnxruntime's outputs against tfjs's and reports precision/recall on
 * a held-out set rendered from a different seed.
 *
 *   npm run train:demo-model -w packages/inspection            (from the repo root; builds first)
 *   npm run train:demo-model -w packages/inspection -- --train 3000 --epochs 3 --out /tmp/m   (a quicker trial)
 *
 * 9–10.5 minutes on one core of the shared 2-core dev machine (tfjs's CPU backend is single-threaded); `--threads 2`
 * adds a worker for half of every batch (~1.5× faster when the other core is free; its float sums differ in the last
 * bits, so it trains a slightly different model from the committed one). The log prints progress per epoch. A plain .mjs (the package's tsc compiles src/ only) that imports the compiled dist/.
 * Everything is seeded — patches, initial weights, batch order, augmentation — so the same arguments give the same
 * model on the same tfjs version. Writes <out>/roof-damage-demo.onnx, its sidecar .json and .metrics.json.
 *
 * Speed: tfjs-node cannot be installed here and the stock pure-JS convolution gradients are ~50× slower than their
 * forward pass, so scripts/fast-cpu-kernels.mjs swaps in im2col + blocked-matmul kernels for the ops this model uses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { DEFAULT_PATCH_GSD_M, PATCH_CLASSES, generatePatches } from '../dist/synthetic/patches.js';
import { mulberry32 } from '../dist/synthetic/prng.js';
import { evaluate as evaluateWith, decide as decideWith } from './demo-model-eval.mjs';
import { NORM_EPS, buildNet, gradients, normalisePatch } from './demo-model-net.mjs';
import { exportNet } from './demo-model-onnx.mjs';
import { useFastCpuKernels } from './fast-cpu-kernels.mjs';

const { values: args } = parseArgs({
  options: {
    train: { type: 'string', default: '6000' },
    val: { type: 'string', default: '600' },
    holdout: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '6' },
    batch: { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.003' },
    filters: { type: 'string', default: '8,16,32,48' },
    /** How the last feature map becomes the class scores: global max (a small damage anywhere) or average pooling. */
    pool: { type: 'string', default: 'max' },
    'train-seed': { type: 'string', default: '1' },
    'val-seed': { type: 'string', default: '3' },
    'holdout-seed': { type: 'string', default: '2' },
    'init-seed': { type: 'string', default: '7' },
    /**
     * Thresholds: per damage class, the lowest probability at which at most `false-alarm-rate` of `background-pool`
     * fresh background patches (seed `background-seed`) would be called that class. A 20 MP survey picture is ~2000
     * patches, nearly all background, so this rate, not the balanced test set, decides how many false alarms a user
     * sees: 0.001 ≈ 2 per picture before the multi-view clustering.
     */
    'background-pool': { type: 'string', default: '2000' },
    'background-seed': { type: 'string', default: '5' },
    'false-alarm-rate': { type: 'string', default: '0.001' },
    /** Fixed thresholds instead, e.g. '{"hail":0.98}' (classes not named keep the rule's value). */
    thresholds: { type: 'string' },
    out: { type: 'string', default: 'models' },
    name: { type: 'string', default: 'roof-damage-demo' },
    /**
     * Hard-example mining: before the last `mine-epochs` epochs, render `mine` fresh patches (seed `mine-seed`), score
     * them and add the `mine-keep` the model gets most wrong (highest loss) to the training set.
     */
    mine: { type: 'string', default: '3000' },
    'mine-keep': { type: 'string', default: '800' },
    'mine-epochs': { type: 'string', default: '2' },
    'mine-seed': { type: 'string', default: '4' },
    /** 2: a worker thread computes half of every batch's gradient (and renders half the patches); 1: main thread only. */
    threads: { type: 'string', default: '1' },
  },
});

const N_TRAIN = Number(args.train);
const N_VAL = Number(args.val);
const N_HOLDOUT = Number(args.holdout);
const EPOCHS = Number(args.epochs);
const BATCH = Number(args.batch);
const LR = Number(args.lr);
const FILTERS = String(args.filters).split(',').map(Number);
const POOL = String(args.pool) === 'avg' ? 'avg' : 'max';
const SEEDS = {
  train: Number(args['train-seed']),
  val: Number(args['val-seed']),
  holdout: Number(args['holdout-seed']),
  init: Number(args['init-seed']),
  mine: Number(args['mine-seed']),
  background: Number(args['background-seed']),
};
const MINE = { pool: Number(args.mine), keep: Number(args['mine-keep']), epochs: Number(args['mine-epochs']) };
const BACKGROUND = { pool: Number(args['background-pool']), seed: Number(args['background-seed']), rate: Number(args['false-alarm-rate']) };
const SIZE = 64;
const GSD_M = DEFAULT_PATCH_GSD_M;
const CLASSES = [...PATCH_CLASSES];
const K = CLASSES.length;
const OUT_DIR = resolve(String(args.out));
const NAME = String(args.name);
const THREADS = Math.max(1, Math.min(2, Number(args.threads)));

const round = (/** @type {number} */ x) => Math.round(x * 10000) / 10000;
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
const log = (/** @type {string} */ msg) => console.log(`[${secs()} s] ${msg}`);

await tf.setBackend('cpu');
useFastCpuKernels(tf);

/** @type {import('./demo-model-net.mjs').NetConfig} */
const NET = { size: SIZE, classes: K, filters: FILTERS, pool: POOL, initSeed: SEEDS.init };
const worker = THREADS > 1 ? new Worker(new URL('./train-worker.mjs', import.meta.url), { workerData: { net: NET } }) : null;
/** Replies from the worker, in order: it answers every message with exactly one. */
/** @type {Array<{ ok: (v: any) => void; fail: (e: unknown) => void }>} */
const waiting = [];
worker?.on('message', (m) => waiting.shift()?.ok(m));
worker?.on('error', (e) => {
  for (const w of waiting.splice(0)) w.fail(e);
});
worker?.on('exit', (code) => {
  for (const w of waiting.splice(0)) w.fail(new Error(`training worker exited (code ${code}) with a job pending`));
});
/** The worker's next reply. @returns {Promise<any>} */
const fromWorker = () => new Promise((ok, fail) => waiting.push({ ok, fail }));

// ---- data ----
/**
 * Patches [0, n) of the set drawn from `seed`; with a worker, it renders the second half meanwhile. Patch i depends
 * only on (seed, i), so the split does not change the set.
 * @param {string} what @param {number} seed @param {number} n @param {number[]} [classWeights]
 * @returns {Promise<{ images: Uint8Array; labels: Uint8Array; scenes: string[] }>}
 */
async function makeSet(what, seed, n, classWeights) {
  const opts = { size: SIZE, gsdM: GSD_M, ...(classWeights ? { classWeights } : {}) };
  const t = performance.now();
  const mine = worker ? Math.ceil(n / 2) : n;
  const theirs = worker ? fromWorker() : null;
  worker?.postMessage({ generate: { ...opts, seed, start: mine, count: n - mine } });
  const a = generatePatches(seed, mine, opts);
  const b = theirs ? await theirs : { images: new Uint8Array(0), labels: new Uint8Array(0), scenes: [] };
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Uint8Array(n);
  labels.set(a.labels);
  labels.set(b.labels, mine);
  const set = { images, labels, scenes: [...a.scenes, ...b.scenes] };
  const counts = CLASSES.map((_, c) => set.labels.filter((l) => l === c).length);
  log(`${what}: ${n} patches (seed ${seed}) in ${((performance.now() - t) / 1000).toFixed(1)} s, per class ${counts.join('/')}`);
  return set;
}
let train = await makeSet('train', SEEDS.train, N_TRAIN);
const val = await makeSet('validation', SEEDS.val, N_VAL);
const holdout = await makeSet('held-out', SEEDS.holdout, N_HOLDOUT);

/**
 * NHWC float batch from packed uint8 patches; `aug` turns/flips each patch (the 8 symmetries of the square: a nadir
 * view has no preferred orientation, and the renderer already turns the camera, so this only multiplies the variety).
 * @param {Uint8Array} images @param {number[]} idx @param {(() => number) | null} aug
 */
function toBatch(images, idx, aug) {
  const px = SIZE * SIZE * 3;
  const out = new Float32Array(idx.length * px);
  for (let b = 0; b < idx.length; b++) {
    const src = (idx[b] ?? 0) * px;
    const dst = b * px;
    const t = aug ? Math.floor(aug() * 8) : 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        let sx = x;
        let sy = y;
        if (t & 1) sx = SIZE - 1 - sx;
        if (t & 2) sy = SIZE - 1 - sy;
        if (t & 4) [sx, sy] = [sy, sx];
        const s = src + (sy * SIZE + sx) * 3;
        const d = dst + (y * SIZE + x) * 3;
        out[d] = (images[s] ?? 0) / 255;
        out[d + 1] = (images[s + 1] ?? 0) / 255;
        out[d + 2] = (images[s + 2] ?? 0) / 255;
      }
    }
    normalisePatch(out, dst, px);
  }
  return out;
}

/** @param {Uint8Array} labels @param {number[]} idx */
const toLabels = (labels, idx) => Int32Array.from(idx, (i) => labels[i] ?? 0);

/** @param {Float32Array} probs @param {Uint8Array} labels @param {number} n @param {number[] | null} thr */
const evaluate = (probs, labels, n, thr) => evaluateWith(CLASSES, probs, labels, n, thr);
/** @param {Float32Array} probs @param {number} i @param {number[] | null} thr */
const decide = (probs, i, thr) => decideWith(probs, i, thr, K);

// ---- model ----
const model = buildNet(tf, NET);
const optimizer = tf.train.adam(LR);
const params = model.countParams();

/** Multiply-accumulates per patch, ×2 = FLOPs (convolutions and the dense layer; pooling and ReLU not counted). */
function macsPerPatch() {
  let macs = 0;
  let side = SIZE;
  let cin = 3;
  FILTERS.forEach((f, i) => {
    macs += side * side * 9 * cin * f;
    cin = f;
    if (i < FILTERS.length - 1) side /= 2;
  });
  return macs + cin * K;
}
const flops = 2 * macsPerPatch();
log(`model: conv ${FILTERS.join('→')} + global ${POOL} pool + dense ${K}; ${params} parameters, ${(flops / 1e6).toFixed(2)} MFLOPs per patch`);

/** @param {import('@tensorflow/tfjs').Tensor} x */
const predict = (x) => /** @type {import('@tensorflow/tfjs').Tensor} */ (model.predict(x));

/** Class probabilities for a whole set, batched. @param {Uint8Array} images @param {number} n */
function predictAll(images, n) {
  const out = new Float32Array(n * K);
  for (let s = 0; s < n; s += 128) {
    const idx = Array.from({ length: Math.min(128, n - s) }, (_, i) => s + i);
    const p = tf.tidy(() => predict(tf.tensor4d(toBatch(images, idx, null), [idx.length, SIZE, SIZE, 3])).dataSync());
    out.set(p, s * K);
  }
  return out;
}

/**
 * Renders a fresh pool, scores it and appends the `keep` patches with the highest loss (−log p of the true class) to
 * the training set: mostly the background that looks like damage (vents, dark texture) and the faintest damage.
 * @returns {Promise<Record<string, number>>} what was added, by patch content
 */
async function mineHardExamples() {
  const pool = await makeSet('mining pool', SEEDS.mine, MINE.pool);
  const probs = predictAll(pool.images, MINE.pool);
  const loss = Array.from({ length: MINE.pool }, (_, i) => -Math.log(Math.max(1e-7, probs[i * K + (pool.labels[i] ?? 0)] ?? 0)));
  const pick = Array.from({ length: MINE.pool }, (_, i) => i)
    .sort((a, b) => (loss[b] ?? 0) - (loss[a] ?? 0) || a - b)
    .slice(0, MINE.keep);
  const px = SIZE * SIZE * 3;
  const images = new Uint8Array((nTrain + pick.length) * px);
  images.set(train.images.subarray(0, nTrain * px));
  const labels = new Uint8Array(nTrain + pick.length);
  labels.set(train.labels.subarray(0, nTrain));
  /** @type {Record<string, number>} */
  const added = {};
  pick.forEach((p, k) => {
    images.set(pool.images.subarray(p * px, (p + 1) * px), (nTrain + k) * px);
    labels[nTrain + k] = pool.labels[p] ?? 0;
    const what = pool.scenes[p] ?? '?';
    added[what] = (added[what] ?? 0) + 1;
  });
  train = { images, labels, scenes: [...train.scenes, ...pick.map((p) => pool.scenes[p] ?? '?')] };
  nTrain += pick.length;
  log(`mined ${pick.length} hard examples of ${MINE.pool}: ${Object.entries(added).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return added;
}

// ---- training ----
const rng = mulberry32(SEEDS.train ^ 0x5eed);
const vars = model.trainableWeights.map((w) => w.read());
/** Weights the worker has not seen yet (sent with its next half-batch); at first, the shared seeded start. */
let fresh = worker ? vars.map((v) => /** @type {Float32Array} */ (v.dataSync().slice())) : null;
const history = [];
const tTrain = performance.now();
let nTrain = N_TRAIN;
/** @type {Record<string, number> | null} */
let mined = null;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  if (epoch === EPOCHS - MINE.epochs + 1 && MINE.pool > 0 && MINE.keep > 0) mined = await mineHardExamples();
  const order = Array.from({ length: nTrain }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  const te = performance.now();
  let lossSum = 0;
  let correct = 0;
  let batches = 0;
  for (let s = 0; s + BATCH <= nTrain; s += BATCH) {
    // Cosine decay over the epochs, from LR down to LR/20.
    const progress = (epoch - 1 + s / nTrain) / EPOCHS;
    optimizer.learningRate = LR * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    const idx = order.slice(s, s + BATCH);
    // Augmentation draws happen here, in batch order, whichever thread computes the half.
    const half = worker ? BATCH / 2 : BATCH;
    const xa = toBatch(train.images, idx.slice(0, half), rng);
    const xb = worker ? toBatch(train.images, idx.slice(half), rng) : null;
    const theirs = worker ? fromWorker() : null;
    if (worker && xb) {
      const lb = toLabels(train.labels, idx.slice(half));
      worker.postMessage({ weights: fresh, x: xb, labels: lb }, [xb.buffer, lb.buffer]);
    }
    const mine = gradients(tf, model, xa, toLabels(train.labels, idx.slice(0, half)), SIZE, K);
    const other = theirs ? await theirs : null;
    // Mean over the whole batch: each half's gradient is its own mean, so average them.
    const named = vars.map((v, i) => {
      const g = mine.grads[i] ?? new Float32Array(0);
      const o = other?.grads[i];
      if (o) for (let j = 0; j < g.length; j++) g[j] = ((g[j] ?? 0) + (o[j] ?? 0)) / 2;
      return { name: v.name, tensor: tf.tensor(g, v.shape) };
    });
    optimizer.applyGradients(named);
    tf.dispose(named.map((n) => n.tensor));
    fresh = worker ? vars.map((v) => /** @type {Float32Array} */ (v.dataSync().slice())) : null;
    lossSum += other ? (mine.loss + other.loss) / 2 : mine.loss;
    correct += mine.correct + (other?.correct ?? 0);
    batches += 1;
  }
  const vp = predictAll(val.images, N_VAL);
  const ve = evaluate(vp, val.labels, N_VAL, null);
  const rec = {
    epoch,
    lr: round(optimizer.learningRate),
    loss: round(lossSum / batches),
    trainAccuracy: round(correct / (batches * BATCH)),
    valAccuracy: ve.accuracy,
    seconds: Math.round((performance.now() - te) / 100) / 10,
  };
  history.push(rec);
  log(`epoch ${epoch}/${EPOCHS}: loss ${rec.loss} train acc ${rec.trainAccuracy} val acc ${rec.valAccuracy} (${rec.seconds} s, ${((batches * BATCH) / rec.seconds).toFixed(0)} patches/s)`);
}
const trainSeconds = Math.round((performance.now() - tTrain) / 1000);

// Thresholds (see --false-alarm-rate): on a pool of background patches the held-out set never sees.
const background = await makeSet('background pool', BACKGROUND.seed, BACKGROUND.pool, [1, 0, 0, 0]);
await worker?.terminate(); // the last job it has
const bgProbs = predictAll(background.images, BACKGROUND.pool);
const thresholds = CLASSES.map(() => 0.5);
const allowed = Math.floor(BACKGROUND.rate * BACKGROUND.pool);
for (let c = 1; c < K; c++) {
  // Scores of the background patches whose most probable damage class is c, highest first.
  const scores = [];
  for (let i = 0; i < BACKGROUND.pool; i++) {
    let best = 1;
    for (let d = 2; d < K; d++) if ((bgProbs[i * K + d] ?? 0) > (bgProbs[i * K + best] ?? 0)) best = d;
    if (best === c) scores.push(bgProbs[i * K + c] ?? 0);
  }
  scores.sort((a, b) => b - a);
  // Just above the (allowed+1)-th highest score, on a 0.01 grid, never below 0.5.
  const cut = scores[allowed] ?? 0;
  thresholds[c] = Math.min(0.99, Math.max(0.5, Math.ceil((cut + 1e-6) * 100) / 100));
}
/** @type {Record<string, number>} */
const fixedThresholds = args.thresholds ? JSON.parse(String(args.thresholds)) : {};
for (const [name, t] of Object.entries(fixedThresholds)) {
  const c = CLASSES.indexOf(name);
  if (c < 1 || !(t >= 0 && t <= 1)) throw new Error(`--thresholds: ${name} must be a damage class with a value in [0, 1]`);
  thresholds[c] = t;
}
log(`thresholds (≤ ${allowed} false alarms in ${BACKGROUND.pool} background patches${args.thresholds ? `; fixed ${args.thresholds}` : ''}): ${CLASSES.slice(1).map((c, i) => `${c} ${thresholds[i + 1]}`).join(', ')}`);

// ---- ONNX export ----
const g = exportNet(model, { size: SIZE, normEps: NORM_EPS });
const names = `{${CLASSES.map((c, i) => `${i}: '${c}'`).join(', ')}}`;
const onnxBytes = g.encode({
  opset: 17,
  producerName: 'fieldtrace train-demo-model',
  producerVersion: '1',
  docString: 'Demo roof-damage patch classifier trained on synthetic shingle roofs (packages/inspection/scripts/train-demo-model.mjs)',
  metadata: { names, task: 'classify', imgsz: `[${SIZE}, ${SIZE}]`, gsd_m: String(GSD_M) },
});
mkdirSync(OUT_DIR, { recursive: true });
const onnxPath = join(OUT_DIR, `${NAME}.onnx`);
writeFileSync(onnxPath, onnxBytes);
log(`wrote ${onnxPath} (${onnxBytes.length} bytes)`);

// ---- verification with onnxruntime ----
/** NCHW float tensor of set items [start, start + n). @param {Uint8Array} images @param {number} start @param {number} n */
function toNchw(images, start, n) {
  const plane = SIZE * SIZE;
  const out = new Float32Array(n * 3 * plane);
  for (let b = 0; b < n; b++) {
    const src = (start + b) * plane * 3;
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[(b * 3 + c) * plane + p] = (images[src + p * 3 + c] ?? 0) / 255;
  }
  return new Tensor('float32', out, [n, 3, SIZE, SIZE]);
}
const session = await InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
const tfProbs = predictAll(holdout.images, N_HOLDOUT);
const ortProbs = new Float32Array(N_HOLDOUT * K);
const tOrt = performance.now();
for (let s = 0; s < N_HOLDOUT; s += 64) {
  const n = Math.min(64, N_HOLDOUT - s);
  const out = await session.run({ images: toNchw(holdout.images, s, n) });
  ortProbs.set(/** @type {Float32Array} */ (out['probs']?.data), s * K);
}
const ortMsPerPatch = (performance.now() - tOrt) / N_HOLDOUT;
await session.release();
let maxAbsDiff = 0;
for (let i = 0; i < ortProbs.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((ortProbs[i] ?? 0) - (tfProbs[i] ?? 0)));
log(`onnxruntime vs tfjs on ${N_HOLDOUT} held-out patches: max |Δp| = ${maxAbsDiff.toExponential(2)}; ORT ${ortMsPerPatch.toFixed(3)} ms/patch (1 thread, batch 64)`);
if (!(maxAbsDiff < 1e-3)) throw new Error(`exported model disagrees with tfjs: max |Δp| = ${maxAbsDiff}`);

const held = evaluate(ortProbs, holdout.labels, N_HOLDOUT, thresholds);
const argmax = evaluate(ortProbs, holdout.labels, N_HOLDOUT, null);
// Where the mistakes are: false alarms on "none" patches by what they showed, misses by damage kind.
/** @type {Record<string, { n: number; wrong: number }>} */
const byScene = {};
for (let i = 0; i < N_HOLDOUT; i++) {
  const s = holdout.scenes[i] ?? '?';
  const e = (byScene[s] ??= { n: 0, wrong: 0 });
  e.n += 1;
  if (decide(ortProbs, i, thresholds) !== holdout.labels[i]) e.wrong += 1;
}
for (const name of CLASSES) {
  const m = held.perClass[name];
  if (m) log(`held-out ${name.padEnd(15)} precision ${m.precision.toFixed(3)} recall ${m.recall.toFixed(3)} (n=${m.support})`);
}
log(`held-out accuracy ${held.accuracy}; errors by patch content: ${Object.entries(byScene).map(([k, v]) => `${k} ${v.wrong}/${v.n}`).join(', ')}`);

// ---- sidecar and metrics ----
const sidecar = {
  name: NAME,
  version: '1',
  task: 'classify',
  classes: CLASSES,
  background: ['none'],
  input: { width: SIZE, height: SIZE, scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
  gsdM: GSD_M,
  thresholds: { default: 0.5, ...Object.fromEntries(CLASSES.slice(1).map((c, i) => [c, thresholds[i + 1]])) },
  patchStride: 0.5,
  outputs: 'probs',
};
writeFileSync(join(OUT_DIR, `${NAME}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
const metrics = {
  model: `${NAME}.onnx`,
  bytes: onnxBytes.length,
  parameters: params,
  flopsPerPatch: flops,
  architecture: `input 3×${SIZE}×${SIZE} → ${FILTERS.map((f) => `conv3×3 ${f} ReLU`).join(' → maxpool 2 → ')} → global ${POOL} pool → dense ${K} → softmax`,
  input: { size: SIZE, gsdM: GSD_M, layout: 'NCHW RGB, pixel/255; the graph normalises each patch to zero mean, unit variance' },
  data: {
    generator: 'src/synthetic/patches.ts generatePatches(seed, n)',
    classes: CLASSES,
    train: { n: N_TRAIN, seed: SEEDS.train },
    hardExamples: { pool: MINE.pool, seed: SEEDS.mine, kept: MINE.keep, forLastEpochs: MINE.epochs, added: mined },
    validation: { n: N_VAL, seed: SEEDS.val, use: 'per-epoch monitoring' },
    background: {
      n: BACKGROUND.pool,
      seed: SEEDS.background,
      use: `thresholds: at most ${BACKGROUND.rate} false alarms per background patch`,
      ...(args.thresholds ? { overriddenBy: fixedThresholds } : {}),
    },
    heldOut: { n: N_HOLDOUT, seed: SEEDS.holdout },
  },
  training: {
    framework: `@tensorflow/tfjs ${tf.version.tfjs} (cpu backend, scripts/fast-cpu-kernels.mjs), ${THREADS} thread(s), data-parallel`,
    epochs: EPOCHS,
    batch: BATCH,
    optimizer: `adam, lr ${LR} with cosine decay to ${LR / 20} over all steps`,
    augmentation: '8 square symmetries',
    initSeed: SEEDS.init,
    seconds: trainSeconds,
    history,
  },
  verification: { runtime: 'onnxruntime-node', maxAbsDiffVsTfjs: maxAbsDiff, ortMsPerPatch: round(ortMsPerPatch) },
  heldOut: {
    decision: 'best damage class if its probability ≥ its threshold, else none (what the Detector does)',
    thresholds: sidecar.thresholds,
    accuracy: held.accuracy,
    perClass: held.perClass,
    falseAlarmRate: round((held.confusion[0] ?? []).slice(1).reduce((a, b) => a + b, 0) / Math.max(1, held.perClass['none']?.support ?? 0)),
    confusion: { rows: 'true class', cols: 'predicted class', classes: CLASSES, matrix: held.confusion },
    errorsByPatchContent: byScene,
    argmax: { accuracy: argmax.accuracy, perClass: argmax.perClass },
  },
  totalSeconds: Math.round((performance.now() - t0) / 1000),
};
writeFileSync(join(OUT_DIR, `${NAME}.metrics.json`), `${JSON.stringify(metrics, null, 2)}\n`);
log(`done: ${join(OUT_DIR, `${NAME}.json`)}, ${join(OUT_DIR, `${NAME}.metrics.json`)}`);

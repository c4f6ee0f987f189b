// @ts-check
/**
 * The second thread of scripts/train-demo-model.mjs. tfjs's CPU backend runs on one thread, so the training splits
 * every batch in two: this worker computes the gradient of one half on its own replica of the network while the main
 * thread does the other half, then the main thread averages the two and steps the optimiser (synchronous data
 * parallelism, deterministic: the same halves are always summed in the same order). It also renders its share of the
 * training patches before training starts.
 *
 * Messages in: { generate: { seed, start, count, size, gsdM, classWeights? } } → { images, labels, scenes };
 *              { weights?, x, labels } → { loss, correct, grads }; { exit: true }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { generatePatches } from '../dist/synthetic/patches.js';
import { buildNet, gradients, setWeights } from './demo-model-net.mjs';
import { useFastCpuKernels } from './fast-cpu-kernels.mjs';

const port = parentPort;
if (!port) throw new Error('train-worker.mjs runs as a worker thread');
await tf.setBackend('cpu');
useFastCpuKernels(tf);
/** @type {import('./demo-model-net.mjs').NetConfig} */
const config = workerData.net;
const model = buildNet(tf, config);

port.on('message', (msg) => {
  if (msg.exit) {
    port.close();
    return;
  }
  if (msg.generate) {
    const { seed, count, ...opts } = msg.generate;
    const set = generatePatches(seed, count, opts);
    port.postMessage({ images: set.images, labels: set.labels, scenes: set.scenes }, [set.images.buffer, set.labels.buffer]);
    return;
  }
  if (msg.weights) setWeights(tf, model, msg.weights);
  const r = gradients(tf, model, msg.x, msg.labels, config.size, config.classes);
  port.postMessage(r, r.grads.map((g) => g.buffer));
});

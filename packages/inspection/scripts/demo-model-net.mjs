// @ts-check
/**
 * The demo classifier's network and one training step's gradient, shared by the training script's main thread and
 * its worker (scripts/train-worker.mjs), so both replicas are built and differentiated identically.
 */

/**
 * @typedef {typeof import('@tensorflow/tfjs')} Tf
 * @typedef {{ size: number; classes: number; filters: number[]; pool: 'max' | 'avg'; initSeed: number }} NetConfig
 */

/**
 * input size×size×3 → [conv 3×3 ReLU → maxpool 2] × (n−1) → conv 3×3 ReLU → global max (or average) pool → dense →
 * softmax. Seeded initialisers: the same config gives the same starting weights in every thread.
 * @param {Tf} tf @param {NetConfig} c
 */
export function buildNet(tf, c) {
  const model = tf.sequential();
  c.filters.forEach((f, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [c.size, c.size, 3] } : {}),
        filters: f,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: c.initSeed + i }),
        name: `conv${i + 1}`,
      }),
    );
    if (i < c.filters.length - 1) model.add(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${i + 1}` }));
  });
  model.add(c.pool === 'max' ? tf.layers.globalMaxPooling2d({ name: 'gmp' }) : tf.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(tf.layers.dense({ units: c.classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: c.initSeed + 99 }), name: 'fc' }));
  return model;
}

/**
 * Mean categorical cross-entropy of a batch and its gradient for every trainable weight (in `model.trainableWeights`
 * order), as plain arrays that can cross a thread boundary.
 * @param {Tf} tf @param {import('@tensorflow/tfjs').Sequential} model
 * @param {Float32Array} x NHWC batch @param {Int32Array} labels @param {number} size @param {number} classes
 * @returns {{ loss: number; correct: number; grads: Float32Array[] }}
 */
export function gradients(tf, model, x, labels, size, classes) {
  const n = labels.length;
  let correct = 0;
  const vars = model.trainableWeights.map((w) => /** @type {import('@tensorflow/tfjs').Variable} */ (w.read()));
  const { value, grads } = tf.variableGrads(() => {
    const xs = tf.tensor4d(x, [n, size, size, 3]);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    const p = /** @type {import('@tensorflow/tfjs').Tensor} */ (model.apply(xs, { training: true }));
    const hit = tf.equal(tf.argMax(p, 1), tf.argMax(ys, 1)).sum().dataSync()[0];
    correct = hit ?? 0;
    return /** @type {import('@tensorflow/tfjs').Scalar} */ (tf.metrics.categoricalCrossentropy(ys, p).mean());
  }, vars);
  const out = vars.map((v) => {
    const g = grads[v.name];
    if (!g) throw new Error(`no gradient for ${v.name}`);
    return /** @type {Float32Array} */ (g.dataSync().slice());
  });
  const loss = value.dataSync()[0] ?? NaN;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, correct, grads: out };
}

/**
 * Overwrites the model's trainable weights (same order as `model.trainableWeights`).
 * @param {Tf} tf @param {import('@tensorflow/tfjs').Sequential} model @param {Float32Array[]} weights
 */
export function setWeights(tf, model, weights) {
  model.trainableWeights.forEach((w, i) => {
    const data = weights[i];
    if (!data) throw new Error(`missing weight ${i}`);
    tf.tidy(() => {
      w.write(tf.tensor(data, w.shape));
    });
  });
}

/**
 * Per-patch contrast normalisation: (v − mean) / √(var + ε) over all pixels and channels of a patch (values in 0..1).
 * Lighting varies far more between patches than damage changes within one; normalising each patch takes exposure
 * and contrast off the model's plate. The exported graph starts with the same arithmetic (scripts/demo-model-onnx.mjs),
 * so the detector feeds plain pixel/255.
 */
export const NORM_EPS = 1e-4;
/** @param {Float32Array} v @param {number} off @param {number} len */
export function normalisePatch(v, off, len) {
  let sum = 0;
  for (let i = off; i < off + len; i++) sum += v[i] ?? 0;
  const mean = sum / len;
  let sq = 0;
  for (let i = off; i < off + len; i++) sq += ((v[i] ?? 0) - mean) ** 2;
  const inv = 1 / Math.sqrt(sq / len + NORM_EPS);
  for (let i = off; i < off + len; i++) v[i] = ((v[i] ?? 0) - mean) * inv;
}

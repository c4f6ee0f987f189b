// @ts-check
/**
 * tfjs → ONNX for the demo classifier, with the package's graph builder. Layouts: tfjs is NHWC with conv kernels
 * [kh, kw, in, out] and dense kernels [in, out]; ONNX Conv wants NCHW and [out, in, kh, kw], Gemm takes the dense kernel
 * as B with transB 0. 'same' padding of an odd kernel at stride 1 is (k−1)/2 on every side.
 */
import { GraphBuilder, attr } from '../dist/onnx/graph-builder.js';

/** tfjs conv kernel [kh, kw, in, out] → ONNX Conv weight [out, in, kh, kw]. @param {Float32Array} k @param {number[]} shape */
function convWeightToOnnx(k, shape) {
  const [kh = 0, kw = 0, cin = 0, cout = 0] = shape;
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) w[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o] ?? 0;
  return w;
}

/**
 * The trained tfjs model as an ONNX graph: input `images` [N, 3, size, size] (pixel/255, NCHW), the per-patch
 * normalisation, Conv+Relu / MaxPool / global pool / Gemm, Softmax → `probs` [N, classes]. Returns the builder; the
 * caller adds metadata and encodes.
 * @param {import('@tensorflow/tfjs').Sequential} model @param {{ size: number; normEps: number }} opts
 */
export function exportNet(model, opts) {
  const g = new GraphBuilder();
  /** The training's per-patch normalisation as graph ops (opset 17: ReduceMean takes its axes as an attribute). */
  const normaliseInGraph = (/** @type {string} */ x) => {
    const all = { axes: attr.ints([1, 2, 3]), keepdims: attr.int(1) };
    const centred = g.op('Sub', [x, g.op('ReduceMean', [x], all)]);
    const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], all);
    const std = g.op('Sqrt', [g.op('Add', [variance, g.initializer('eps', [], new Float32Array([opts.normEps]))])]);
    return g.op('Div', [centred, std]);
  };
  let h = normaliseInGraph(g.input('images', ['N', 3, opts.size, opts.size]));
  let classes = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const weights = layer.getWeights().map((w) => ({ data: /** @type {Float32Array} */ (w.dataSync()), shape: w.shape }));
    if (cls === 'Conv2D') {
      const [k, b] = weights;
      if (!k || !b) throw new Error(`${layer.name}: expected kernel and bias`);
      const [kh = 3, kw = 3, cin = 0, cout = 0] = k.shape;
      // tfjs 'same' with an odd kernel and stride 1 pads (k−1)/2 on every side.
      const p = (kh - 1) / 2;
      h = g.op('Conv', [h, g.initializer(`${layer.name}_w`, [cout, cin, kh, kw], convWeightToOnnx(k.data, k.shape)), g.initializer(`${layer.name}_b`, [cout], Float32Array.from(b.data))], {
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints([p, p, p, p]),
        strides: attr.ints([1, 1]),
      });
      h = g.op('Relu', [h]);
    } else if (cls === 'MaxPooling2D') {
      h = g.op('MaxPool', [h], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
    } else if (cls === 'GlobalAveragePooling2D' || cls === 'GlobalMaxPooling2D') {
      h = g.op('Flatten', [g.op(cls === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [h])], { axis: attr.int(1) });
    } else if (cls === 'Dense') {
      const [k, b] = weights;
      if (!k || !b) throw new Error(`${layer.name}: expected kernel and bias`);
      // tfjs dense kernel is [in, out]: Gemm's B as it is (transB 0).
      const logits = g.op('Gemm', [h, g.initializer('fc_w', k.shape, Float32Array.from(k.data)), g.initializer('fc_b', b.shape, Float32Array.from(b.data))], {
        transB: attr.int(0),
      });
      g.node('Softmax', [logits], ['probs'], { axis: attr.int(1) });
      h = 'probs';
      classes = b.shape[0] ?? 0;
    } else {
      throw new Error(`no ONNX export for layer ${layer.name} (${cls})`);
    }
  }
  g.output('probs', ['N', classes]);
  return g;
}

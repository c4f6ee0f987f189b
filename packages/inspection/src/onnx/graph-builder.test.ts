import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { GraphBuilder, attr, encodeModel } from './graph-builder.js';

test('a Conv→Relu→MaxPool→GlobalAveragePool→Flatten→Gemm→Softmax network runs in onnxruntime with a symbolic batch', async () => {
  const b = new GraphBuilder();
  const x = b.input('images', ['batch', 3, 8, 8]);
  // 2 output channels: channel 0 sums the RGB of a 3×3 window, channel 1 is its negation.
  const w = new Float32Array(2 * 3 * 3 * 3);
  for (let i = 0; i < 27; i++) {
    w[i] = 1 / 27;
    w[27 + i] = -1 / 27;
  }
  const conv = b.op('Conv', [x, b.initializer('conv_w', [2, 3, 3, 3], w), b.initializer('conv_b', [2], new Float32Array([0, 1]))], {
    kernel_shape: attr.ints([3, 3]),
    pads: attr.ints([1, 1, 1, 1]),
  });
  const relu = b.op('Relu', [conv]);
  const pool = b.op('MaxPool', [relu], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  const gap = b.op('GlobalAveragePool', [pool]);
  const flat = b.op('Flatten', [gap], { axis: attr.int(1) });
  const gemm = b.op('Gemm', [flat, b.initializer('fc_w', [2, 2], new Float32Array([4, 0, 0, 4])), b.initializer('fc_b', [2], new Float32Array([0, 0]))], {
    transB: attr.int(1),
    alpha: attr.float(1),
  });
  b.node('Softmax', [gemm], ['probs'], { axis: attr.int(1) });
  b.output('probs', ['batch', 2]);

  const bytes = b.encode({ opset: 17, producerName: 'test', metadata: { names: "{0: 'dark', 1: 'bright'}" } });
  const session = await InferenceSession.create(bytes);
  try {
    assert.deepEqual(session.inputNames, ['images']);
    assert.deepEqual(session.outputNames, ['probs']);
    const batch = 2;
    const data = new Float32Array(batch * 3 * 64);
    data.fill(1, 0, 3 * 64); // image 0 bright, image 1 black
    const out = await session.run({ images: new Tensor('float32', data, [batch, 3, 8, 8]) });
    const probs = out['probs'];
    assert.ok(probs);
    assert.deepEqual(probs.dims, [2, 2]);
    const p = probs.data as Float32Array;
    for (let i = 0; i < batch; i++) assert.ok(Math.abs((p[2 * i] ?? 0) + (p[2 * i + 1] ?? 0) - 1) < 1e-5);
    assert.ok((p[0] ?? 0) > 0.5, 'bright image → class 0 (channel 0 positive)');
    assert.ok((p[3] ?? 0) > 0.5, 'black image → class 1 (bias of channel 1)');
  } finally {
    await session.release();
  }
});

test('a Constant/Identity model returns the embedded tensor unchanged', async () => {
  const values = new Float32Array([1.5, -2, 3.25, 0, 7, 8]);
  const bytes = encodeModel({
    inputs: [{ name: 'x', shape: [1] }],
    outputs: [{ name: 'y', shape: [2, 3] }, { name: 'x_out', shape: [1] }],
    nodes: [
      { opType: 'Constant', inputs: [], outputs: ['c'], attributes: { value: attr.tensor([2, 3], values) } },
      { opType: 'Identity', inputs: ['c'], outputs: ['y'] },
      { opType: 'Identity', inputs: ['x'], outputs: ['x_out'] },
    ],
    opset: 13,
  });
  const session = await InferenceSession.create(bytes);
  try {
    const out = await session.run({ x: new Tensor('float32', new Float32Array([42]), [1]) });
    assert.deepEqual(Array.from(out['y']?.data as Float32Array), Array.from(values));
    assert.deepEqual(out['y']?.dims, [2, 3]);
    assert.deepEqual(Array.from(out['x_out']?.data as Float32Array), [42]);
  } finally {
    await session.release();
  }
});

test('int64 initializers (Reshape shape) and string attributes encode', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 3]);
  const shape = b.initializer('shape', [2], new BigInt64Array([3n, 2n]));
  const r = b.op('Reshape', [x, shape]);
  b.node('Pad', [r, b.initializer('pads', [4], new BigInt64Array([0n, 1n, 0n, 0n]))], ['y'], { mode: attr.string('constant') });
  b.output('y', [3, 3]);
  const session = await InferenceSession.create(b.encode());
  try {
    const out = await session.run({ x: new Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]) });
    assert.deepEqual(Array.from(out['y']?.data as Float32Array), [0, 1, 2, 0, 3, 4, 0, 5, 6]);
  } finally {
    await session.release();
  }
});

test('encodeModel rejects data that does not fill the dims', () => {
  assert.throws(
    () => encodeModel({ inputs: [], outputs: [], nodes: [], initializers: [{ name: 'w', dims: [2, 2], data: new Float32Array(3) }] }),
    /dims \[2, 2\] hold 4 elements but data has 3/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRawImage, fillRect } from './raw-image.js';
import { TensorFiller } from './tensor.js';

test('tensor filling writes NCHW planes normalised per channel, with letterbox padding around small tiles', () => {
  const img = createRawImage(4, 3);
  fillRect(img, 1, 1, 2, 1, [255, 0, 51]);
  const f = new TensorFiller(4, 4, { scale: 1 / 255, mean: [0, 0.5, 0], std: [1, 0.5, 2] });
  const dst = new Float32Array(2 * f.itemSize).fill(NaN);
  f.fill(dst, 1, img, { x: 0, y: 0, width: 4, height: 3, padX: 0, padY: 0 });
  const item = dst.subarray(16 * 3); // slot 1
  const R = item.subarray(0, 16);
  const G = item.subarray(16, 32);
  const B = item.subarray(32, 48);
  assert.equal(R[4 + 1], 1);
  assert.equal(R[0], 0);
  assert.equal(G[4 + 1], -1, '(0 − 0.5) / 0.5');
  assert.ok(Math.abs((B[4 + 2] as number) - 0.1) < 1e-6, '51/255 / 2');
  const pad = Math.fround(114 / 255);
  assert.equal(R[12], pad, 'row 3 is letterbox padding');
  assert.ok(Number.isNaN(dst[0] as number), 'slot 0 untouched');

  f.fill(dst, 0, img, { x: 1, y: 1, width: 2, height: 1, padX: 1, padY: 2 });
  assert.deepEqual(Array.from(dst.subarray(0, 16)), [pad, pad, pad, pad, pad, pad, pad, pad, pad, 1, 1, pad, pad, pad, pad, pad]);
  assert.throws(() => f.fill(dst, 0, img, { x: 3, y: 0, width: 4, height: 3, padX: 0, padY: 0 }), RangeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { readOnnxHeader, ultralyticsMetadata } from '../onnx/metadata.js';
import { buildYolov8Shape } from './yolov8n-shape.js';

test('the YOLOv8n-shaped network has YOLOv8n\'s size: 3,151,904 parameters, 8.7 GFLOPs at 640', () => {
  const m = buildYolov8Shape({ imgsz: 640 });
  assert.equal(m.params, 3_151_904, 'Ultralytics: "YOLOv8n summary (fused): 3151904 parameters, 8.7 GFLOPs"');
  assert.ok(Math.abs(m.flops / 1e9 - 8.7) < 0.1, `${m.flops / 1e9} GFLOPs`);
  assert.deepEqual(m.outputDims, [1, 84, 8400]);
  const meta = ultralyticsMetadata(readOnnxHeader(m.bytes).metadata);
  assert.equal(meta.names?.length, 80);
  assert.deepEqual(meta.imgsz, { width: 640, height: 640 });
});

test('it runs in onnxruntime (float32 and int8 QDQ) with a YOLOv8 output: boxes in pixels, sigmoid class scores', async () => {
  for (const int8 of [false, true]) {
    const m = buildYolov8Shape({ imgsz: 160, classes: 3, int8 });
    assert.deepEqual(m.outputDims, [1, 7, 525]);
    const s = await InferenceSession.create(m.bytes, { intraOpNumThreads: 1 });
    try {
      const out = (await s.run({ images: new Tensor('float32', new Float32Array(3 * 160 * 160).fill(0.5), [1, 3, 160, 160]) }))['output0'];
      assert.deepEqual(out?.dims, [1, 7, 525]);
      const d = out?.data as Float32Array;
      for (let i = 4 * 525; i < d.length; i++) assert.ok((d[i] as number) >= 0 && (d[i] as number) < 0.25, 'untrained class scores stay below the default threshold (bias prior)');
      assert.ok(d.slice(0, 2 * 525).every((v) => v > 0 && v < 160), 'box centres inside the input');
    } finally {
      await s.release();
    }
  }
});

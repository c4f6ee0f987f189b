import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel } from './graph-builder.js';
import { parseUltralyticsImgsz, parseUltralyticsNames, readOnnxHeader, readOnnxHeaderFile, ultralyticsMetadata } from './metadata.js';

const ULTRALYTICS = {
  description: 'Ultralytics YOLOv8n model trained on coco.yaml',
  author: 'Ultralytics',
  stride: '32',
  task: 'detect',
  batch: '1',
  imgsz: '[640, 640]',
  names: `{0: 'person', 1: "it's", 2: 'back\\\\slash', 3: 'caf\\xe9'}`,
};

function modelWithWeights(elements: number, metadata: Record<string, string>): Uint8Array {
  return encodeModel({
    inputs: [{ name: 'x', shape: [elements] }],
    outputs: [{ name: 'y', shape: [elements] }],
    nodes: [{ opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [{ name: 'w', dims: [elements], data: new Float32Array(elements) }],
    producerName: 'pytorch',
    producerVersion: '2.1.0',
    metadata,
  });
}

test('metadata_props are read from model bytes, after the graph', () => {
  const h = readOnnxHeader(modelWithWeights(16, ULTRALYTICS));
  assert.equal(h.irVersion, 8);
  assert.equal(h.producerName, 'pytorch');
  assert.equal(h.producerVersion, '2.1.0');
  assert.deepEqual(h.metadata, ULTRALYTICS);
});

test('a large model file is scanned without reading its weights', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ft-onnx-meta-'));
  try {
    const path = join(dir, 'big.onnx');
    await writeFile(path, modelWithWeights(26_000_000, { names: "{0: 'hail'}" })); // 104 MB of weights
    const t0 = performance.now();
    const h = await readOnnxHeaderFile(path);
    const ms = performance.now() - t0;
    assert.deepEqual(h.metadata, { names: "{0: 'hail'}" });
    assert.ok(ms < 200, `took ${ms.toFixed(1)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('garbage is reported as an invalid ONNX model, naming it', () => {
  assert.throws(() => readOnnxHeader(Buffer.from([0x0f, 0xff, 0xff]), 'x.onnx'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'FT_ONNX_INVALID');
    assert.match(err.message, /x\.onnx/);
    return true;
  });
});

test('Ultralytics names: Python dict literal with both quote styles and escapes', () => {
  assert.deepEqual(parseUltralyticsNames(ULTRALYTICS.names), ['person', "it's", 'back\\slash', 'café']);
  assert.deepEqual(parseUltralyticsNames("{1: 'b', 0: 'a', 3: 'd'}"), ['a', 'b', 'class_2', 'd']);
  assert.deepEqual(parseUltralyticsNames("['a', 'b']"), ['a', 'b']);
  assert.equal(parseUltralyticsNames('not a dict'), null);
  assert.equal(parseUltralyticsNames("{0: 'a', 1 'b'}"), null);
});

test('Ultralytics imgsz and task', () => {
  assert.deepEqual(parseUltralyticsImgsz('[480, 640]'), { height: 480, width: 640 });
  assert.deepEqual(parseUltralyticsImgsz('320'), { height: 320, width: 320 });
  assert.equal(parseUltralyticsImgsz('[]'), null);
  assert.deepEqual(ultralyticsMetadata(ULTRALYTICS), {
    names: ['person', "it's", 'back\\slash', 'café'],
    imgsz: { width: 640, height: 640 },
    task: 'detect',
  });
  assert.deepEqual(ultralyticsMetadata({}), {});
});

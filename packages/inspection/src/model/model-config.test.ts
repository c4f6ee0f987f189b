import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModelConfigFile, resolveModelConfig, thresholdsByClass } from './model-config.js';

const base = { source: 'models/x.json', modelPath: 'models/roof.onnx', metadata: {} };

test('a detect model with only Ultralytics metadata resolves with defaults and the graph input size', () => {
  const cfg = resolveModelConfig({
    ...base,
    metadata: { names: "{0: 'hail', 1: 'missing_shingle'}", task: 'detect', imgsz: '[640, 640]' },
    inputShape: [1, 3, 640, 640],
    outputShape: [1, 6, 8400],
  });
  assert.equal(cfg.name, 'roof');
  assert.equal(cfg.task, 'detect');
  assert.equal(cfg.layout, 'yolov8');
  assert.deepEqual(cfg.classes, ['hail', 'missing_shingle']);
  assert.deepEqual(cfg.input, { width: 640, height: 640, scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.equal(cfg.thresholds.default, 0.25);
});

test('the sidecar wins over metadata; dynamic input sizes come from the sidecar', () => {
  const file = parseModelConfigFile(
    { name: 'roof-damage', version: 3, classes: ['a', 'b'], input: { width: 320, height: 256 }, thresholds: { default: 0.4, b: 0.7 } },
    'x.json',
  );
  const cfg = resolveModelConfig({ ...base, file, metadata: { names: "{0: 'x', 1: 'y'}" }, inputShape: ['batch', 3, 'h', 'w'], outputShape: ['batch', 'n', 7] });
  assert.deepEqual(cfg.classes, ['a', 'b']);
  assert.equal(cfg.version, '3');
  assert.equal(cfg.layout, 'yolov5');
  assert.deepEqual([cfg.input.width, cfg.input.height], [320, 256]);
  assert.deepEqual(Array.from(thresholdsByClass(cfg)), [Math.fround(0.4), Math.fround(0.7)]);
});

test('a classifier without names gets placeholder names from its output width', () => {
  const cfg = resolveModelConfig({ ...base, inputShape: [1, 3, 64, 64], outputShape: [1, 4] });
  assert.equal(cfg.task, 'classify');
  assert.deepEqual(cfg.classes, ['class_0', 'class_1', 'class_2', 'class_3']);
  assert.equal(cfg.thresholds.default, 0.5);
});

test('schema errors name the file and every bad field', () => {
  assert.throws(
    () => parseModelConfigFile({ task: 'segment', nmsIou: 2, input: { width: -1 }, extra: 1 }, 'models/bad.json'),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'FT_MODEL_CONFIG_INVALID');
      assert.match(err.message, /models\/bad\.json/);
      for (const f of ['/task', '/nmsIou', '/input/width']) assert.ok(err.message.includes(f), `mentions ${f}: ${err.message}`);
      return true;
    },
  );
});

test('inconsistencies with the model are listed together', () => {
  const file = parseModelConfigFile(
    { classes: ['none', 'hail'], background: ['grass'], input: { width: 128 }, thresholds: { hial: 0.5 }, layout: 'yolov5' },
    'm.json',
  );
  assert.throws(
    () => resolveModelConfig({ ...base, source: 'm.json', file, inputShape: [1, 3, 64, 64], outputShape: [1, 6, 100] }),
    (err: Error) => {
      assert.match(err.message, /m\.json/);
      assert.match(err.message, /background: 'grass'/);
      assert.match(err.message, /input\.width: 128 but the model's input is 64 wide/);
      assert.match(err.message, /thresholds\.hial/);
      assert.match(err.message, /layout: yolov5 needs output \[B, N, 7\]/);
      return true;
    },
  );
});

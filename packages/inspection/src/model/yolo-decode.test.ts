import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Candidates } from './candidates.js';
import { YoloDecoder, detectLayout, type BoxTransform } from './yolo-decode.js';

const identity: BoxTransform = { padX: 0, padY: 0, scaleX: 1, scaleY: 1, originX: 0, originY: 0, clipX1: 0, clipY1: 0, clipX2: 640, clipY2: 640 };

test('layout detection: by class count, ambiguous case, and without a count', () => {
  assert.deepEqual(detectLayout([1, 84, 8400], 80), { layout: 'yolov8', classCount: 80 });
  assert.deepEqual(detectLayout([1, 25200, 85], 80), { layout: 'yolov5', classCount: 80 });
  assert.deepEqual(detectLayout(['batch', 84, 'anchors'], 80), { layout: 'yolov8', classCount: 80 });
  assert.deepEqual(detectLayout([1, 84, 85], 80), { layout: 'yolov8', classCount: 80 }, 'both fit: the anchor count is the larger dim');
  assert.equal(detectLayout([1, 90, 8400], 80), null);
  assert.deepEqual(detectLayout([1, 7, 8400]), { layout: 'yolov8', classCount: 3 });
  assert.deepEqual(detectLayout([1, 25200, 8]), { layout: 'yolov5', classCount: 3 });
  assert.equal(detectLayout([1, 1000]), null);
});

test('yolov8 decode: best class per anchor against its class threshold, batch offset respected', () => {
  const C = 2;
  const N = 3;
  const item = (4 + C) * N;
  const out = new Float32Array(2 * item);
  // batch item 1: anchors (cx, cy, w, h) + scores [c0, c1]
  const set = (n: number, v: number[]) => v.forEach((x, ch) => (out[item + ch * N + n] = x));
  set(0, [50, 50, 20, 10, 0.1, 0.9]);
  set(1, [100, 100, 10, 10, 0.5, 0.2]); // class 0 at 0.5 < its threshold 0.6
  set(2, [630, 10, 40, 10, 0.7, 0.3]); // clipped at the right edge
  const sink = new Candidates();
  const n = new YoloDecoder().decode(out, [2, 4 + C, N], 1, { layout: 'yolov8', classCount: C, thresholds: new Float32Array([0.6, 0.25]), transform: identity, group: 7 }, sink);
  assert.equal(n, 2);
  assert.deepEqual([sink.x1[0], sink.y1[0], sink.x2[0], sink.y2[0], sink.cls[0], sink.group[0]], [40, 45, 60, 55, 1, 7]);
  assert.ok(Math.abs((sink.score[0] as number) - 0.9) < 1e-6);
  assert.deepEqual([sink.x1[1], sink.x2[1], sink.cls[1]], [610, 640, 0]);
});

test('yolov5 decode: score = objectness × class probability; letterbox and scale mapped back', () => {
  const C = 2;
  const out = new Float32Array([
    // cx, cy, w, h, obj, c0, c1
    110, 120, 20, 20, 0.9, 0.5, 0.8, //   → 0.72, class 1
    110, 120, 20, 20, 0.2, 1.0, 0.0, //   → obj below every threshold
    300, 300, 10, 10, 0.5, 0.4, 0.1, //   → 0.2 < 0.25
  ]);
  const t: BoxTransform = { padX: 100, padY: 100, scaleX: 2, scaleY: 2, originX: 1000, originY: 0, clipX1: 1000, clipY1: 0, clipX2: 1400, clipY2: 400 };
  const sink = new Candidates();
  const n = new YoloDecoder().decode(out, [1, 3, 5 + C], 0, { layout: 'yolov5', classCount: C, thresholds: new Float32Array([0.25, 0.25]), transform: t, group: 0 }, sink);
  assert.equal(n, 1);
  assert.deepEqual([sink.x1[0], sink.y1[0], sink.x2[0], sink.y2[0], sink.cls[0]], [1000, 20, 1040, 60]
    .concat([1]));
  assert.ok(Math.abs((sink.score[0] as number) - 0.72) < 1e-6);
});

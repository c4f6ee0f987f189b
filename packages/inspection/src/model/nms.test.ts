import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Candidates } from './candidates.js';
import { iou, nms } from './nms.js';

test('class-wise NMS keeps the best of overlapping same-class boxes and every class apart', () => {
  const c = new Candidates(2); // grows past its capacity
  c.push(0, 0, 10, 10, 0.8, 0);
  c.push(1, 1, 11, 11, 0.9, 0); // overlaps the first (IoU 0.68), better
  c.push(0, 0, 10, 10, 0.7, 1); // same place, other class
  c.push(20, 20, 30, 30, 0.6, 0); // elsewhere
  assert.deepEqual(nms(c, { iou: 0.45 }), [1, 2, 3]);
  assert.deepEqual(nms(c, { iou: 0.45, maxDetections: 2 }), [1, 2]);
  assert.deepEqual(nms(c, { iou: 0.7 }), [1, 0, 2, 3], 'IoU below the threshold: both kept');
});

test('NMS is deterministic on equal scores: buffer order decides', () => {
  const c = new Candidates();
  c.push(0, 0, 10, 10, 0.5, 0);
  c.push(0, 0, 10, 10, 0.5, 0);
  assert.deepEqual(nms(c, { iou: 0.5 }), [0]);
});

test('a box cut off by a tile edge is merged into the whole box from the neighbouring tile (IoS), not within a tile', () => {
  const c = new Candidates();
  c.push(100, 100, 140, 140, 0.9, 0, 0); // whole, tile 0
  c.push(120, 100, 140, 140, 0.8, 0, 1); // right half, tile 1: IoU 0.5 but inside the whole one
  c.push(100, 100, 115, 140, 0.7, 0, 0); // a different small box of the same tile
  assert.deepEqual(nms(c, { iou: 0.55, ios: 0.6 }), [0, 2]);
  assert.deepEqual(nms(c, { iou: 0.55 }), [0, 1, 2], 'without IoS the cut-off part survives');
});

test('iou', () => {
  assert.equal(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 }), 50 / 150);
  assert.equal(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 10, y1: 0, x2: 20, y2: 10 }), 0);
});

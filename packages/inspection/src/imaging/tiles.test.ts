import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisStarts, planPatches, planTiles } from './tiles.js';

function covered(width: number, height: number, tiles: ReturnType<typeof planTiles>): boolean {
  const hit = new Uint8Array(width * height);
  for (const t of tiles) for (let y = t.y; y < t.y + t.height; y++) hit.fill(1, y * width + t.x, y * width + t.x + t.width);
  return hit.every((v) => v === 1);
}

test('tiles of a 20 MP frame cover every pixel, overlap by the requested fraction and end on the edges', () => {
  const W = 5472;
  const H = 3648;
  const tiles = planTiles(W, H, 640, 640, 0.2);
  const xs = [...new Set(tiles.map((t) => t.x))];
  const ys = [...new Set(tiles.map((t) => t.y))];
  assert.equal(tiles.length, xs.length * ys.length);
  assert.deepEqual(xs.slice(0, 3), [0, 512, 1024], 'step = 640 × (1 − 0.2)');
  assert.equal(xs.at(-1), W - 640, 'last column aligned to the right edge');
  assert.equal(ys.at(-1), H - 640, 'last row aligned to the bottom edge');
  for (const t of tiles) {
    assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= W && t.y + t.height <= H, 'inside the image');
    assert.equal(t.width, 640);
    assert.equal(t.padX, 0);
  }
  for (let i = 1; i < xs.length; i++) assert.ok((xs[i] as number) - (xs[i - 1] as number) <= 512, 'neighbours overlap by at least 20%');
  assert.equal(tiles.length, 11 * 7);
});

test('tiles cover a small odd-sized image completely', () => {
  const tiles = planTiles(1000, 700, 256, 256, 0.25);
  assert.ok(covered(1000, 700, tiles));
});

test('an image smaller than a tile is one letterboxed tile, centred', () => {
  assert.deepEqual(planTiles(320, 200, 640, 640, 0.2), [{ x: 0, y: 0, width: 320, height: 200, padX: 160, padY: 220 }]);
});

test('an image smaller than a tile in one direction only is tiled along the other and padded across', () => {
  const tiles = planTiles(1280, 500, 640, 640, 0.2);
  assert.deepEqual(tiles.map((t) => [t.x, t.y, t.width, t.height, t.padX, t.padY]), [
    [0, 0, 640, 500, 0, 70],
    [512, 0, 640, 500, 0, 70],
    [640, 0, 640, 500, 0, 70],
  ]);
});

test('an image exactly one tile big is one tile', () => {
  assert.deepEqual(axisStarts(640, 640, 512), [0]);
  assert.equal(planTiles(640, 640, 640, 640, 0.2).length, 1);
});

test('classification patches step by stride × size and reach the edges', () => {
  const patches = planPatches(256, 128, 32, 32, 0.5);
  const xs = [...new Set(patches.map((t) => t.x))];
  assert.deepEqual(xs, [0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224]);
  assert.ok(covered(256, 128, patches));
  assert.throws(() => planPatches(10, 10, 4, 4, 0), RangeError);
  assert.throws(() => planTiles(10, 10, 4, 4, 1), RangeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { RawImage } from '../imaging/raw-image.js';
import { annotatedCrop, cropRegion } from './crops.js';

/** Mid-grey W×H image with an optional white block. */
function greyImage(width: number, height: number, white?: { x1: number; y1: number; x2: number; y2: number }): RawImage {
  const data = new Uint8Array(width * height * 3).fill(128);
  if (white) {
    for (let y = white.y1; y < white.y2; y++) for (let x = white.x1; x < white.x2; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return { data, width, height };
}

async function pixels(jpeg: Buffer): Promise<{ width: number; height: number; at(x: number, y: number): [number, number, number] }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const i = (y * info.width + x) * info.channels;
      return [data[i]!, data[i + 1]!, data[i + 2]!];
    },
  };
}

function isRed([r, g, b]: [number, number, number]): boolean {
  return r > 190 && g < 90 && b < 90;
}

test('crops a square around the box, resizes it and outlines the box in red', async () => {
  const img = greyImage(400, 300);
  // A 40 px box → an 80 px crop (margin factor 2) at (160, 110) → ×4 into 320 px: the box edges land at 80 and 240.
  const box = { x1: 180, y1: 130, x2: 220, y2: 170 };
  assert.deepEqual(cropRegion(box, 400, 300), { left: 160, top: 110, side: 80 });
  const jpeg = await annotatedCrop(img, box);
  const meta = await sharp(jpeg).metadata();
  assert.equal(meta.format, 'jpeg');
  const px = await pixels(jpeg);
  assert.deepEqual([px.width, px.height], [320, 320]);
  for (const [x, y] of [[80, 160], [240, 160], [160, 80], [160, 240]] as const) {
    assert.ok(isRed(px.at(x, y)), `outline pixel (${x}, ${y}) = ${px.at(x, y).join(',')}`);
  }
  // Inside and outside the outline the picture is untouched grey.
  for (const [x, y] of [[160, 160], [30, 30], [300, 300]] as const) {
    const [r, g, b] = px.at(x, y);
    assert.ok(Math.abs(r - 128) < 8 && Math.abs(g - 128) < 8 && Math.abs(b - 128) < 8, `(${x}, ${y}) = ${r},${g},${b}`);
  }
});

test('honours size, label and colour; accepts an encoded image', async () => {
  const raw = greyImage(400, 300);
  const png = await sharp(raw.data, { raw: { width: 400, height: 300, channels: 3 } }).png().toBuffer();
  const box = { x1: 100, y1: 100, x2: 150, y2: 150 };
  const jpeg = await annotatedCrop(png, box, { size: 200, label: '#3 Hail <high>', colour: '#00ff00' });
  const px = await pixels(jpeg);
  assert.deepEqual([px.width, px.height], [200, 200]);
  // 50 px box → 100 px crop at (75, 75) → ×2: the left edge lands at x = 50.
  const [r, g, b] = px.at(50, 125);
  assert.ok(g > 190 && r < 90 && b < 90, `outline pixel = ${r},${g},${b}`);
});

test('a box at the image edge slides the crop inside the image instead of cutting it', async () => {
  assert.deepEqual(cropRegion({ x1: 0, y1: 0, x2: 10, y2: 10 }, 400, 300), { left: 0, top: 0, side: 32 });
  assert.deepEqual(cropRegion({ x1: 380, y1: 280, x2: 400, y2: 300 }, 400, 300), { left: 360, top: 260, side: 40 });
  // A box larger than the image is cropped to the image's shorter side.
  assert.deepEqual(cropRegion({ x1: 0, y1: 0, x2: 400, y2: 300 }, 400, 300), { left: 50, top: 0, side: 300 });
  const jpeg = await annotatedCrop(greyImage(400, 300), { x1: 380, y1: 280, x2: 400, y2: 300 }, { size: 64 });
  assert.equal((await sharp(jpeg).metadata()).width, 64);
});

test('boxes are in the EXIF-oriented frame, as the detector saw the picture', async () => {
  // The picture as displayed: 200 wide, 300 tall, a white block at x 20–60, y 200–240.
  const shown = greyImage(200, 300, { x1: 20, y1: 200, x2: 60, y2: 240 });
  // Stored turned 90° anticlockwise with EXIF orientation 6 ("rotate 90° clockwise to display").
  const stored = await sharp(shown.data, { raw: { width: 200, height: 300, channels: 3 } }).rotate(-90).raw().toBuffer();
  const jpeg = await sharp(stored, { raw: { width: 300, height: 200, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const crop = await annotatedCrop(jpeg, { x1: 20, y1: 200, x2: 60, y2: 240 }, { size: 80 });
  const [r, g, b] = (await pixels(crop)).at(40, 40);
  assert.ok(r > 230 && g > 230 && b > 230, `centre = ${r},${g},${b}`);
});

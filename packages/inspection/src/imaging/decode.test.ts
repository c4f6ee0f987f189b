import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRawImage, fillRect } from './raw-image.js';
import { decodeImage, encodeJpeg, resizeRaw } from './decode.js';
import sharp from 'sharp';

function pixel(img: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
}

test('a JPEG tagged with EXIF orientation 6 decodes upright (rotated 90° clockwise)', async () => {
  const img = createRawImage(64, 32, [0, 0, 255]);
  fillRect(img, 0, 0, 32, 32, [255, 0, 0]); // left half red, right half blue
  const jpeg = await encodeJpeg(img, { orientation: 6 });
  assert.equal((await sharp(jpeg).metadata()).orientation, 6);
  const up = await decodeImage(jpeg);
  assert.deepEqual([up.width, up.height], [32, 64]);
  const top = pixel(up, 16, 8);
  const bottom = pixel(up, 16, 56);
  assert.ok((top[0] as number) > 200 && (top[2] as number) < 60, `top is red: ${top}`);
  assert.ok((bottom[2] as number) > 200 && (bottom[0] as number) < 60, `bottom is blue: ${bottom}`);
});

test('greyscale PNG decodes to 3-channel RGB; garbage is a typed error', async () => {
  const png = await sharp(Buffer.alloc(20, 90), { raw: { width: 5, height: 4, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(png).metadata()).channels, 1);
  const img = await decodeImage(png);
  assert.equal(img.data.length, 5 * 4 * 3);
  assert.deepEqual(pixel(img, 2, 2), [90, 90, 90]);
  await assert.rejects(decodeImage(Buffer.from('not an image')), (err: Error & { code?: string }) => err.code === 'FT_IMAGE_DECODE_FAILED');
});

test('resizeRaw scales to the exact size', async () => {
  const img = createRawImage(100, 50, [10, 20, 30]);
  const small = await resizeRaw(img, 40, 20);
  assert.deepEqual([small.width, small.height, small.data.length], [40, 20, 40 * 20 * 3]);
  assert.deepEqual(pixel(small, 20, 10), [10, 20, 30]);
});

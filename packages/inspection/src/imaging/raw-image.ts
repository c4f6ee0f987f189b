/**
 * Decoded pixels as the pipeline passes them around: RGB interleaved, 3 bytes per pixel, rows top to bottom, no
 * padding between rows. One shape for the decoder, the synthetic renderer, the tiler and the report crops.
 */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Bytes per pixel of a RawImage. */
export const RAW_CHANNELS = 3;

/** A new image filled with one colour (black by default). */
export function createRawImage(width: number, height: number, rgb: readonly [number, number, number] = [0, 0, 0]): RawImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  const data = new Uint8Array(width * height * RAW_CHANNELS);
  if (rgb[0] !== 0 || rgb[1] !== 0 || rgb[2] !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = rgb[0];
      data[i + 1] = rgb[1];
      data[i + 2] = rgb[2];
    }
  }
  return { data, width, height };
}

/** True for a RawImage-shaped value (not an encoded Buffer or a path), with a buffer of the right length. */
export function isRawImage(x: unknown): x is RawImage {
  if (typeof x !== 'object' || x === null || Buffer.isBuffer(x)) return false;
  const r = x as Partial<RawImage>;
  return (
    r.data instanceof Uint8Array &&
    typeof r.width === 'number' &&
    typeof r.height === 'number' &&
    r.data.length === r.width * r.height * RAW_CHANNELS
  );
}

/** Paints an axis-aligned rectangle (clipped to the image), for tests and synthetic inputs. */
export function fillRect(img: RawImage, x: number, y: number, w: number, h: number, rgb: readonly [number, number, number]): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(img.width, Math.floor(x + w));
  const y1 = Math.min(img.height, Math.floor(y + h));
  for (let yy = y0; yy < y1; yy++) {
    let i = (yy * img.width + x0) * RAW_CHANNELS;
    for (let xx = x0; xx < x1; xx++, i += 3) {
      img.data[i] = rgb[0];
      img.data[i + 1] = rgb[1];
      img.data[i + 2] = rgb[2];
    }
  }
}

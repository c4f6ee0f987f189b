/**
 * Image decoding and resizing with sharp (libvips): any format sharp reads (JPEG, PNG, TIFF, WebP, HEIF where built
 * in), turned upright by its EXIF orientation, as 8-bit sRGB without alpha — the RawImage the tiler expects.
 */
import sharp from 'sharp';
import { ImageDecodeFailed } from '../model/errors.js';
import { RAW_CHANNELS, type RawImage } from './raw-image.js';

/**
 * Decodes encoded bytes or a file path. `.rotate()` with no angle applies the EXIF orientation (drone and phone
 * cameras store pictures in sensor orientation and only tag the rotation), so pixel coordinates downstream are in the
 * upright image, the one people look at. Greyscale and CMYK inputs are converted to sRGB; alpha is dropped.
 */
export async function decodeImage(input: Buffer | Uint8Array | string): Promise<RawImage> {
  const what = typeof input === 'string' ? input : `(${input.length} bytes)`;
  try {
    const { data, info } = await sharp(input, { failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== RAW_CHANNELS) throw new Error(`decoded to ${info.channels} channels, expected ${RAW_CHANNELS}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw ImageDecodeFailed([what, (err as Error).message], { cause: err });
  }
}

/** Resizes a RawImage to exactly `width`×`height` (no aspect preservation; callers choose the size). */
export async function resizeRaw(img: RawImage, width: number, height: number): Promise<RawImage> {
  if (width === img.width && height === img.height) return img;
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: RAW_CHANNELS } })
    .resize(width, height, { fit: 'fill', kernel: width < img.width ? 'lanczos3' : 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** Encodes a RawImage as JPEG (tests, benchmarks and crops), optionally with an EXIF orientation tag. */
export async function encodeJpeg(img: RawImage, opts: { quality?: number; orientation?: number } = {}): Promise<Buffer> {
  let s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: RAW_CHANNELS } });
  if (opts.orientation !== undefined) s = s.withMetadata({ orientation: opts.orientation });
  return s.jpeg({ quality: opts.quality ?? 90 }).toBuffer();
}

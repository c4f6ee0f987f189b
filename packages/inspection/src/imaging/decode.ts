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

/**
 * Pixel size as the picture is seen (after its EXIF orientation), read from the header only: what an image's
 * metadata needs when the file carries no EXIF dimensions. Null when sharp cannot read the header.
 */
export async function readImageSize(input: Buffer | Uint8Array | string): Promise<{ width: number; height: number } | null> {
  try {
    const m = await sharp(input).metadata();
    if (!m.width || !m.height) return null;
    const turned = (m.orientation ?? 1) >= 5;
    return turned ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch {
    return null;
  }
}

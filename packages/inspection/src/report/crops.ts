import sharp, { type Sharp } from 'sharp';
import type { RawImage } from '../imaging/raw-image.js';
import type { PixelBox } from '../types.js';

/**
 * Annotated crops: a square JPEG around one detection box with the box drawn on it, for the report's findings table
 * and for the thumbnail an edge station sends instead of the whole picture.
 */

export interface CropOptions {
  /** Output edge, px (the crop is square). */
  size?: number;
  /** Drawn in the top-left corner, e.g. the finding's number and class. */
  label?: string;
  /** Crop edge as a multiple of the box's longer side: 2 shows as much context around the box as the box itself. */
  marginFactor?: number;
  /** Box outline colour, CSS/SVG (#rrggbb). */
  colour?: string;
  /** JPEG quality 1–100. */
  quality?: number;
}

const DEFAULTS = { size: 320, marginFactor: 2, colour: '#ff1f1f', quality: 85 };
/** Smallest crop edge, source px: a 3-px box blown up to 320 px would show nothing recognisable. */
const MIN_SIDE_PX = 32;

/** The square region cropped for a box, source pixels (integers, inside the image). Exported for tests and callers. */
export function cropRegion(
  box: PixelBox,
  imageWidth: number,
  imageHeight: number,
  marginFactor = DEFAULTS.marginFactor,
): { left: number; top: number; side: number } {
  const bw = Math.abs(box.x2 - box.x1);
  const bh = Math.abs(box.y2 - box.y1);
  const maxSide = Math.min(imageWidth, imageHeight);
  const side = Math.max(1, Math.min(maxSide, Math.round(Math.max(bw, bh, MIN_SIDE_PX / marginFactor) * marginFactor)));
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  // Keep the square whole by sliding it inside the image rather than cutting it at the edge: the box then sits off
  // centre, which is honest about where it is.
  const left = clamp(Math.round(cx - side / 2), 0, imageWidth - side);
  const top = clamp(Math.round(cy - side / 2), 0, imageHeight - side);
  return { left, top, side };
}

/**
 * Crops a square around `box` (full-image pixels, after EXIF orientation — the detector's frame), resizes it to
 * `size`, draws the box outline and an optional label, and encodes a JPEG (4:4:4 chroma so the thin outline keeps
 * its colour).
 */
export async function annotatedCrop(image: RawImage | Buffer, box: PixelBox, opts: CropOptions = {}): Promise<Buffer> {
  const size = Math.max(16, Math.round(opts.size ?? DEFAULTS.size));
  const colour = opts.colour ?? DEFAULTS.colour;

  let pipeline: Sharp;
  let width: number;
  let height: number;
  if (Buffer.isBuffer(image)) {
    pipeline = sharp(image).autoOrient(); // the detector's frame: EXIF orientation applied
    ({ width, height } = (await sharp(image).metadata()).autoOrient);
  } else {
    pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
    width = image.width;
    height = image.height;
  }

  const { left, top, side } = cropRegion(box, width, height, opts.marginFactor ?? DEFAULTS.marginFactor);
  const k = size / side;
  const overlay = overlaySvg(
    size,
    {
      x1: (Math.min(box.x1, box.x2) - left) * k,
      y1: (Math.min(box.y1, box.y2) - top) * k,
      x2: (Math.max(box.x1, box.x2) - left) * k,
      y2: (Math.max(box.y1, box.y2) - top) * k,
    },
    colour,
    opts.label,
  );

  return pipeline
    .extract({ left, top, width: side, height: side })
    // Enlarging uses nearest-neighbour on purpose: an inspector judging damage should see the camera's real pixels,
    // not detail a smoothing filter made up.
    .resize(size, size, { fit: 'fill', kernel: side > size ? 'lanczos3' : 'nearest' })
    .composite([{ input: Buffer.from(overlay), left: 0, top: 0 }])
    .jpeg({ quality: opts.quality ?? DEFAULTS.quality, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

/** Stroke width for an output edge, px. Exported so tests know where the outline's pixels are. */
export function strokeWidthFor(size: number): number {
  return Math.max(2, Math.round(size / 100));
}

function overlaySvg(size: number, b: PixelBox, colour: string, label: string | undefined): string {
  const sw = strokeWidthFor(size);
  // The stroke is centred on the box edge, so the outline covers [edge − sw/2, edge + sw/2].
  const rect =
    `<rect x="${f(b.x1)}" y="${f(b.y1)}" width="${f(Math.max(1, b.x2 - b.x1))}" height="${f(Math.max(1, b.y2 - b.y1))}" ` +
    `fill="none" stroke="${xmlEscape(colour)}" stroke-width="${sw}"/>`;
  let text = '';
  if (label) {
    const fontPx = Math.max(10, Math.round(size / 18));
    const padX = Math.round(fontPx / 3);
    const h = Math.round(fontPx * 1.35);
    // A width estimate is enough for the background: librsvg lays out the text itself.
    const w = Math.min(size, Math.round(label.length * fontPx * 0.6 + 2 * padX));
    text =
      `<rect x="0" y="0" width="${w}" height="${h}" fill="#000" fill-opacity="0.6"/>` +
      `<text x="${padX}" y="${Math.round(h * 0.75)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" ` +
      `font-size="${fontPx}" fill="#fff">${xmlEscape(label)}</text>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${rect}${text}</svg>`;
}

function f(n: number): string {
  return n.toFixed(2);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

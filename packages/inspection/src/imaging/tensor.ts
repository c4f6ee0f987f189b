/**
 * Filling the model's input tensor: NCHW float32, RGB planes, value = (pixel × scale − mean) / std per channel.
 * One preallocated batch buffer is reused for every batch of every image; the per-pixel work is a table lookup
 * (256 values per channel, computed once per normaliser) and a store, with no allocation.
 */
import { RAW_CHANNELS, type RawImage } from './raw-image.js';
import type { Tile } from './tiles.js';

export interface Normalisation {
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** Ultralytics' letterbox grey (114, 114, 114): what YOLO models see around a padded image during training. */
export const LETTERBOX_VALUE = 114;

/** Precomputed byte → tensor value tables, one per channel. */
export class TensorFiller {
  readonly width: number;
  readonly height: number;
  private readonly lut = new Float32Array(3 * 256);
  private readonly pad: Float32Array;

  /** For a model input of `width`×`height`, padding letterboxed areas with `padValue` (a pixel value, 0–255). */
  constructor(width: number, height: number, norm: Normalisation, padValue = LETTERBOX_VALUE) {
    this.width = width;
    this.height = height;
    this.pad = new Float32Array(3);
    for (let c = 0; c < 3; c++) {
      const std = norm.std[c] as number;
      const mean = norm.mean[c] as number;
      for (let v = 0; v < 256; v++) this.lut[c * 256 + v] = (v * norm.scale - mean) / std;
      this.pad[c] = (padValue * norm.scale - mean) / std;
    }
  }

  /** Floats per batch item. */
  get itemSize(): number {
    return 3 * this.width * this.height;
  }

  /**
   * Writes the window `tile` of `img` into batch slot `index` of `dst`, at the tile's letterbox offset; the rest of
   * the slot gets the padding value. The window must lie inside the image and fit the model input.
   */
  fill(dst: Float32Array, index: number, img: RawImage, tile: Tile): void {
    const W = this.width;
    const H = this.height;
    const plane = W * H;
    const base = index * 3 * plane;
    if (tile.x < 0 || tile.y < 0 || tile.x + tile.width > img.width || tile.y + tile.height > img.height) {
      throw new RangeError(`tile ${tile.width}×${tile.height}@${tile.x},${tile.y} is outside the ${img.width}×${img.height} image`);
    }
    if (tile.padX + tile.width > W || tile.padY + tile.height > H) {
      throw new RangeError(`tile ${tile.width}×${tile.height} at padding ${tile.padX},${tile.padY} does not fit the ${W}×${H} input`);
    }
    const letterboxed = tile.width !== W || tile.height !== H;
    if (letterboxed) {
      for (let c = 0; c < 3; c++) dst.fill(this.pad[c] as number, base + c * plane, base + (c + 1) * plane);
    }
    const lut = this.lut;
    const src = img.data;
    const rowStride = img.width * RAW_CHANNELS;
    for (let y = 0; y < tile.height; y++) {
      let s = (tile.y + y) * rowStride + tile.x * RAW_CHANNELS;
      let d = base + (tile.padY + y) * W + tile.padX;
      const end = d + tile.width;
      for (; d < end; d++, s += 3) {
        dst[d] = lut[src[s] as number] as number;
        dst[d + plane] = lut[256 + (src[s + 1] as number)] as number;
        dst[d + 2 * plane] = lut[512 + (src[s + 2] as number)] as number;
      }
    }
  }

  /** Fills batch slot `index` entirely with the padding value (unused slots of a fixed-size batch). */
  blank(dst: Float32Array, index: number): void {
    const plane = this.width * this.height;
    const base = index * 3 * plane;
    for (let c = 0; c < 3; c++) dst.fill(this.pad[c] as number, base + c * plane, base + (c + 1) * plane);
  }
}

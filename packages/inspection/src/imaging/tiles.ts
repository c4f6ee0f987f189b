/**
 * Tile planning (pure): which model-input-sized windows of an image to run the model on.
 *
 * Tiles are taken at the image's own resolution (a model trained on 640×640 crops sees objects at the size it was
 * trained on), overlapping so that an object cut by one tile's edge appears whole in a neighbour. Along each axis the
 * step is `size × (1 − overlap)` and the last tile is aligned to the image edge, so the whole image is covered and no
 * tile reaches outside it. An image narrower (or lower) than a tile gets a single window of its own size there,
 * letterboxed (centred, padded) into the model input.
 */

export interface Tile {
  /** Window in image pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the window sits in the model input (letterbox offset; 0 unless the image is smaller than the input). */
  padX: number;
  padY: number;
}

/** Start positions along one axis of length `length` for windows of `size` stepping by `step`, last at the edge. */
export function axisStarts(length: number, size: number, step: number): number[] {
  if (length <= size) return [0];
  const s = Math.max(1, Math.floor(step));
  const starts: number[] = [];
  for (let p = 0; p < length - size; p += s) starts.push(p);
  starts.push(length - size);
  return starts;
}

/**
 * Tiles of `tileWidth`×`tileHeight` covering a `width`×`height` image, overlapping by `overlap` (fraction of the tile,
 * 0 ≤ overlap < 1), in row-major order.
 */
export function planTiles(width: number, height: number, tileWidth: number, tileHeight: number, overlap: number): Tile[] {
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`tile overlap must be in [0, 1), got ${overlap}`);
  return planGrid(width, height, tileWidth, tileHeight, tileWidth * (1 - overlap), tileHeight * (1 - overlap));
}

/** Classification patches: a grid of `size` windows stepping by `stride × size` (stride in (0, 1]). */
export function planPatches(width: number, height: number, patchWidth: number, patchHeight: number, stride: number): Tile[] {
  if (!(stride > 0 && stride <= 1)) throw new RangeError(`patch stride must be in (0, 1], got ${stride}`);
  return planGrid(width, height, patchWidth, patchHeight, patchWidth * stride, patchHeight * stride);
}

function planGrid(width: number, height: number, tw: number, th: number, stepX: number, stepY: number): Tile[] {
  const xs = axisStarts(width, tw, Math.round(stepX));
  const ys = axisStarts(height, th, Math.round(stepY));
  const w = Math.min(tw, width);
  const h = Math.min(th, height);
  const padX = Math.floor((tw - w) / 2);
  const padY = Math.floor((th - h) / 2);
  const tiles: Tile[] = [];
  for (const y of ys) for (const x of xs) tiles.push({ x, y, width: w, height: h, padX, padY });
  return tiles;
}

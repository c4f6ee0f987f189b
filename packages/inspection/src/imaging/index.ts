/**
 * Decoding and sizing alone (`@fieldtrace/inspection/imaging`): sharp without onnxruntime, for callers that only
 * handle pictures (the edge agent's uploader).
 */
export { decodeImage, encodeJpeg, readImageSize, resizeRaw } from './decode.js';
export { createRawImage, isRawImage, type RawImage } from './raw-image.js';

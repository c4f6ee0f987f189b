/**
 * Error catalogue of the model, ONNX and imaging modules. Codes are stable: callers match on `err.code`.
 * A bad model or sidecar is a deployment problem found at startup (500); an image that cannot be decoded is bad
 * input for one request (422) and is counted, not fatal.
 */
import { defineError } from '@fieldtrace/service-kit';

export const OnnxInvalid = defineError('FT_ONNX_INVALID', 500, (what: string, why: string) => `${what} is not a valid ONNX model: ${why}`);

export const ModelConfigInvalid = defineError('FT_MODEL_CONFIG_INVALID', 500, (file: string, problems: string[]) =>
  `model config ${file} is invalid:\n  - ${problems.join('\n  - ')}`,
);

export const ModelUnsupported = defineError('FT_MODEL_UNSUPPORTED', 500, (model: string, why: string) => `model ${model} cannot be used: ${why}`);

export const ImageDecodeFailed = defineError('FT_IMAGE_DECODE_FAILED', 422, (what: string, why: string) => `cannot decode image ${what}: ${why}`);

/**
 * The model's sidecar config (`models/<name>.json` next to the `.onnx`) and its resolution against what the model
 * itself says: ONNX `metadata_props` (Ultralytics `names`, `imgsz`, `task`) and the session's input/output shapes.
 * The sidecar wins where both speak, except that a fixed input size in the graph is a fact the sidecar must match.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ultralyticsMetadata } from '../onnx/metadata.js';
import { ModelConfigInvalid } from './errors.js';
import { detectLayout } from './yolo-decode.js';

const Rgb = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);
const Probability = Type.Number({ minimum: 0, maximum: 1 });

/** The sidecar as written: everything optional that the model can tell us itself. */
export const ModelConfigFile = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    version: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    task: Type.Optional(Type.Union([Type.Literal('detect'), Type.Literal('classify')])),
    /** detect only: "yolov8" = [1, 4+C, N] (also YOLO11), "yolov5" = [1, N, 5+C]; detected from the dims if absent. */
    layout: Type.Optional(Type.Union([Type.Literal('yolov8'), Type.Literal('yolov5')])),
    classes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    /** classify: classes that are not damage and never become detections. */
    background: Type.Optional(Type.Array(Type.String())),
    input: Type.Optional(
      Type.Object(
        {
          width: Type.Optional(Type.Integer({ minimum: 1 })),
          height: Type.Optional(Type.Integer({ minimum: 1 })),
          /** Tensor value = (pixel × scale − mean) / std, per RGB channel, NCHW. */
          scale: Type.Optional(Type.Number()),
          mean: Type.Optional(Rgb),
          std: Type.Optional(Rgb),
        },
        { additionalProperties: false },
      ),
    ),
    /** Metres per pixel the model was trained at; finer images are downscaled to it before tiling. */
    gsdM: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Minimum confidence: `default` and per class name. */
    thresholds: Type.Optional(Type.Record(Type.String(), Probability)),
    nmsIou: Type.Optional(Probability),
    /** detect: fraction of a tile shared with its neighbour. */
    tileOverlap: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9 })),
    /** classify: patch step as a fraction of the patch size. */
    patchStride: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** classify: whether the model ends in a softmax ("probs") or not ("logits"); detected from the sums if absent. */
    outputs: Type.Optional(Type.Union([Type.Literal('logits'), Type.Literal('probs')])),
  },
  { additionalProperties: false },
);
export type ModelConfigFile = Static<typeof ModelConfigFile>;

/** A fully resolved config: every field the detector needs, defaults applied. */
export interface ModelConfig {
  name: string;
  version: string;
  task: 'detect' | 'classify';
  /** detect only: from the sidecar, else from the output dims (see yolo-decode `detectLayout`). */
  layout?: 'yolov8' | 'yolov5';
  classes: string[];
  background: string[];
  input: { width: number; height: number; scale: number; mean: [number, number, number]; std: [number, number, number] };
  gsdM?: number;
  thresholds: { default: number } & Record<string, number>;
  nmsIou: number;
  tileOverlap: number;
  patchStride: number;
  outputs?: 'logits' | 'probs';
}

/** Defaults, with where they come from. */
export const MODEL_DEFAULTS = {
  /** Ultralytics `predict` defaults: conf 0.25, iou 0.7 is for crowded scenes; 0.45 is the YOLOv5 classic. */
  detectThreshold: 0.25,
  classifyThreshold: 0.5,
  nmsIou: 0.45,
  tileOverlap: 0.2,
  patchStride: 0.5,
  /** YOLO training size. */
  detectInput: 640,
  scale: 1 / 255,
} as const;

const checkFile = TypeCompiler.Compile(ModelConfigFile);

/** Validates parsed sidecar JSON; every problem is listed in one error that names the file and the field. */
export function parseModelConfigFile(raw: unknown, file: string): ModelConfigFile {
  if (!checkFile.Check(raw)) {
    const problems = [...checkFile.Errors(raw)].map((e) => `${e.path || '/'}: ${e.message}`);
    throw ModelConfigInvalid([file, problems]);
  }
  return raw;
}

/** Reads and validates a sidecar file. */
export async function loadModelConfigFile(file: string): Promise<ModelConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw ModelConfigInvalid([file, [`cannot read: ${(err as Error).message}`]], { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw ModelConfigInvalid([file, [`not JSON: ${(err as Error).message}`]], { cause: err });
  }
  return parseModelConfigFile(raw, file);
}

export interface ResolveInputs {
  /** The parsed sidecar, if any. */
  file?: ModelConfigFile;
  /** Where the config came from, for errors (the sidecar path, or the model path when there is none). */
  source: string;
  /** The model path: its base name is the fallback model name. */
  modelPath: string;
  /** ONNX metadata_props. */
  metadata: Readonly<Record<string, string>>;
  /** Shape of the model's image input (NCHW; strings are symbolic dims). */
  inputShape: ReadonlyArray<number | string>;
  /** Shape of the model's first output, to infer the task and class count when nothing else says. */
  outputShape: ReadonlyArray<number | string>;
  /** Per-call threshold overrides (`default` and class names), applied over the file's. */
  thresholds?: Readonly<Record<string, number>>;
}

const fixed = (d: number | string | undefined): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

/**
 * Merges sidecar, ONNX metadata and graph shapes into one ModelConfig, or throws ModelConfigInvalid listing every
 * inconsistency (unknown class names in thresholds/background, an input size contradicting the graph, ...).
 */
export function resolveModelConfig(r: ResolveInputs): ModelConfig {
  const f = r.file ?? {};
  const meta = ultralyticsMetadata(r.metadata);
  const problems: string[] = [];

  let task: ModelConfig['task'];
  if (f.task) task = f.task;
  else if (meta.task === 'detect' || meta.task === 'classify') task = meta.task;
  else if (meta.task) {
    problems.push(`task: the model's metadata says task '${meta.task}'; only 'detect' and 'classify' are supported`);
    task = 'detect';
  } else task = r.outputShape.length === 2 ? 'classify' : 'detect';

  let classes = f.classes ?? meta.names;
  if (!classes) {
    // Without names the class count still follows from the output dims (a classifier's width; a detection head's
    // per-box width, by the rule of detectLayout), so the model runs with placeholder names.
    let n: number | undefined;
    if (task === 'classify') n = fixed(r.outputShape[1]);
    else if (f.layout === 'yolov8') n = (fixed(r.outputShape[1]) ?? 0) - 4;
    else if (f.layout === 'yolov5') n = (fixed(r.outputShape[2]) ?? 0) - 5;
    else n = detectLayout(r.outputShape)?.classCount;
    if (n !== undefined && n > 0) classes = Array.from({ length: n }, (_, i) => `class_${i}`);
    else {
      problems.push('classes: not given, the model has no Ultralytics `names` metadata, and its output dims do not tell the count');
      classes = [];
    }
  }
  if (task === 'classify') {
    const n = fixed(r.outputShape[1]);
    if (n !== undefined && n !== classes.length) problems.push(`classes: ${classes.length} names but the model outputs ${n} classes`);
  }

  const background = f.background ?? [];
  for (const b of background) if (!classes.includes(b)) problems.push(`background: '${b}' is not one of the classes`);

  const graphH = fixed(r.inputShape[2]);
  const graphW = fixed(r.inputShape[3]);
  const fi = f.input ?? {};
  if (r.inputShape.length !== 4) problems.push(`input: the model's input has shape [${r.inputShape.join(', ')}], expected NCHW`);
  else if (r.inputShape[1] !== 3 && typeof r.inputShape[1] === 'number') problems.push(`input: the model expects ${r.inputShape[1]} channels, not RGB`);
  if (fi.width !== undefined && graphW !== undefined && fi.width !== graphW) problems.push(`input.width: ${fi.width} but the model's input is ${graphW} wide`);
  if (fi.height !== undefined && graphH !== undefined && fi.height !== graphH) problems.push(`input.height: ${fi.height} but the model's input is ${graphH} high`);
  const fallback = task === 'detect' ? MODEL_DEFAULTS.detectInput : undefined;
  const width = graphW ?? fi.width ?? meta.imgsz?.width ?? fallback;
  const height = graphH ?? fi.height ?? meta.imgsz?.height ?? fallback;
  if (width === undefined || height === undefined) problems.push('input: the model has a dynamic input size; give input.width and input.height');

  const thresholds: ModelConfig['thresholds'] = {
    default: task === 'detect' ? MODEL_DEFAULTS.detectThreshold : MODEL_DEFAULTS.classifyThreshold,
    ...f.thresholds,
    ...r.thresholds,
  };
  for (const [k, v] of Object.entries(thresholds)) {
    if (k !== 'default' && !classes.includes(k)) problems.push(`thresholds.${k}: not one of the classes (${classes.join(', ')})`);
    if (!(v >= 0 && v <= 1)) problems.push(`thresholds.${k}: ${v} is not a probability`);
  }

  let layout: ModelConfig['layout'];
  if (task === 'detect' && classes.length > 0) {
    const dims = `[${r.outputShape.join(', ')}]`;
    const C = classes.length;
    if (f.layout === 'yolov8' && r.outputShape[1] !== 4 + C) problems.push(`layout: yolov8 needs output [B, ${4 + C}, N] for ${C} classes, the model has ${dims}`);
    else if (f.layout === 'yolov5' && r.outputShape[2] !== 5 + C) problems.push(`layout: yolov5 needs output [B, N, ${5 + C}] for ${C} classes, the model has ${dims}`);
    layout = f.layout ?? detectLayout(r.outputShape, C)?.layout;
    if (!layout) problems.push(`layout: output ${dims} fits neither yolov8 [B, ${4 + C}, N] nor yolov5 [B, N, ${5 + C}] for ${C} classes`);
  }

  if (problems.length > 0) throw ModelConfigInvalid([r.source, problems]);

  const cfg: ModelConfig = {
    name: f.name ?? basename(r.modelPath, extname(r.modelPath)),
    version: String(f.version ?? r.metadata['version'] ?? '0'),
    task,
    classes,
    background,
    input: {
      width: width as number,
      height: height as number,
      scale: fi.scale ?? MODEL_DEFAULTS.scale,
      mean: fi.mean ?? [0, 0, 0],
      std: fi.std ?? [1, 1, 1],
    },
    thresholds,
    nmsIou: f.nmsIou ?? MODEL_DEFAULTS.nmsIou,
    tileOverlap: f.tileOverlap ?? MODEL_DEFAULTS.tileOverlap,
    patchStride: f.patchStride ?? MODEL_DEFAULTS.patchStride,
  };
  if (layout) cfg.layout = layout;
  if (f.gsdM !== undefined) cfg.gsdM = f.gsdM;
  if (f.outputs) cfg.outputs = f.outputs;
  return cfg;
}

/** Per-class thresholds as an array indexed by class id (the decoders' hot loops index, not look up by name). */
export function thresholdsByClass(cfg: Pick<ModelConfig, 'classes' | 'thresholds'>): Float32Array {
  const out = new Float32Array(cfg.classes.length);
  for (let i = 0; i < cfg.classes.length; i++) out[i] = cfg.thresholds[cfg.classes[i] as string] ?? cfg.thresholds.default;
  return out;
}

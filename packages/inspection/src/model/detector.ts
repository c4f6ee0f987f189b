/**
 * The Detector: one ONNX model (onnxruntime-node, CPU) plus its resolved config, turning a whole picture into
 * detections in the picture's own pixels.
 *
 *   decode (sharp, EXIF-upright) → optional downscale to the model's GSD → tiles (detect) or patches (classify)
 *   → batches into one reused NCHW tensor → ORT → per tile: YOLO decode + NMS (detect) / softmax + threshold
 *   (classify) → full-image coordinates → class-wise NMS across tiles (detect) / merge touching patches (classify).
 */
import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Detection } from '../types.js';
import { decodeImage, resizeRaw } from '../imaging/decode.js';
import { isRawImage, type RawImage } from '../imaging/raw-image.js';
import { TensorFiller, LETTERBOX_VALUE } from '../imaging/tensor.js';
import { planPatches, planTiles, type Tile } from '../imaging/tiles.js';
import { readOnnxHeaderFile } from '../onnx/metadata.js';
import { Candidates } from './candidates.js';
import { mergeTouching, positiveClass, rowsAreProbabilities, softmaxRow } from './classify.js';
import { ModelUnsupported } from './errors.js';
import { loadModelConfigFile, resolveModelConfig, thresholdsByClass, type ModelConfig, type ModelConfigFile } from './model-config.js';
import { nms } from './nms.js';
import { YoloDecoder, type BoxTransform } from './yolo-decode.js';

export interface LoadDetectorOptions {
  modelPath: string;
  /** The sidecar; `<model>.json` next to the model is used when it exists and this is absent. */
  configPath?: string;
  /** ORT intra-op threads; all cores (`os.availableParallelism()`) when absent. */
  threads?: number;
  /** Tiles per ORT call when the model's batch dim is dynamic (a fixed batch dim wins). */
  batchSize?: number;
  /** Threshold overrides (`default` and class names) over the config's. */
  thresholds?: Record<string, number>;
  /**
   * Let ORT's worker threads spin between parallel sections (its default). Off here: on a ground station shared
   * with other services, spinning threads burn the cores the others need and stall when preempted — measured on
   * this 2-core box with one core busy elsewhere, YOLOv8n per 640² tile: 190–200 ms spinning vs 120–135 ms not.
   */
  spinning?: boolean;
}

export interface DetectStats {
  tiles: number;
  /** Decode (when given encoded bytes or a path), GSD resize and tensor filling, ms. */
  preprocessMs: number;
  /** ORT session.run, ms. */
  inferMs: number;
  /** Output decoding, NMS / merging, ms. */
  postprocessMs: number;
}

export interface DetectResult {
  detections: Detection[];
  /** Size of the analysed (upright, original-resolution) image; detections are in these pixels. */
  width: number;
  height: number;
  stats: DetectStats;
}

export interface Detector {
  readonly config: ModelConfig;
  /** "name@version". */
  readonly name: string;
  /** Tiles per ORT call actually used. */
  readonly batchSize: number;
  detect(image: RawImage | Buffer | string, opts?: { gsdM?: number }): Promise<DetectResult>;
  close(): Promise<void>;
}

/** Candidates kept per tile before the cross-tile NMS (Ultralytics `max_det`). */
const MAX_PER_TILE = 300;
/**
 * Cross-tile merge: a box from another tile that lies this much inside a kept box (intersection over the smaller
 * area) is the same object cut by a tile edge. SAHI's default match threshold is 0.5; 0.6 keeps adjacent distinct
 * damages of the same class apart a little more readily.
 */
const CROSS_TILE_IOS = 0.6;
/** Default tiles per call: detect tiles are big (640² ≈ 4.9 MB of floats each); classification patches are small. */
const DEFAULT_BATCH = { detect: 1, classify: 64 } as const;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function loadDetector(opts: LoadDetectorOptions): Promise<Detector> {
  const header = await readOnnxHeaderFile(opts.modelPath);
  let configPath = opts.configPath;
  if (configPath === undefined) {
    const sidecar = opts.modelPath.replace(/\.onnx$/i, '') + '.json';
    if (await exists(sidecar)) configPath = sidecar;
  }
  const file: ModelConfigFile | undefined = configPath === undefined ? undefined : await loadModelConfigFile(configPath);

  const session = await InferenceSession.create(opts.modelPath, {
    intraOpNumThreads: opts.threads ?? availableParallelism(),
    // One graph at a time per image: inter-op parallelism only helps graphs with independent branches and would
    // compete with the intra-op pool on a small edge box.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: opts.spinning ? '1' : '0' }, inter_op: { allow_spinning: opts.spinning ? '1' : '0' } } },
  });
  try {
    const inMeta = session.inputMetadata[0];
    const outMeta = session.outputMetadata[0];
    if (!inMeta?.isTensor || !outMeta?.isTensor) throw ModelUnsupported([opts.modelPath, 'the first input and output must be tensors']);
    if (inMeta.type !== 'float32') throw ModelUnsupported([opts.modelPath, `input type ${inMeta.type}; only float32 is supported`]);
    const resolveInputs: Parameters<typeof resolveModelConfig>[0] = {
      source: configPath ?? opts.modelPath,
      modelPath: opts.modelPath,
      metadata: header.metadata,
      inputShape: inMeta.shape,
      outputShape: outMeta.shape,
    };
    if (file) resolveInputs.file = file;
    if (opts.thresholds) resolveInputs.thresholds = opts.thresholds;
    const config = resolveModelConfig(resolveInputs);
    const fixedBatch = typeof inMeta.shape[0] === 'number' && inMeta.shape[0] > 0 ? inMeta.shape[0] : undefined;
    const batchSize = fixedBatch ?? Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH[config.task]));
    return new OrtDetector(session, config, batchSize, fixedBatch !== undefined, inMeta.name, outMeta.name);
  } catch (err) {
    await session.release();
    throw err;
  }
}

class OrtDetector implements Detector {
  readonly config: ModelConfig;
  readonly name: string;
  readonly batchSize: number;
  private readonly session: InferenceSession;
  private readonly fixedBatch: boolean;
  private readonly inputName: string;
  private readonly outputName: string;
  private readonly filler: TensorFiller;
  private readonly thresholds: Float32Array;
  private readonly isBackground: Uint8Array;
  private readonly batch: Float32Array;
  private readonly decoder = new YoloDecoder();
  private readonly tileCands = new Candidates(1024);
  private readonly allCands = new Candidates(4096);
  /** Classify: whether the outputs are logits, decided from the config or the first batch. */
  private logits: boolean | undefined;
  /** Serialises detect() calls: they share the tensor and candidate buffers. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(session: InferenceSession, config: ModelConfig, batchSize: number, fixedBatch: boolean, inputName: string, outputName: string) {
    this.session = session;
    this.config = config;
    this.name = `${config.name}@${config.version}`;
    this.batchSize = batchSize;
    this.fixedBatch = fixedBatch;
    this.inputName = inputName;
    this.outputName = outputName;
    this.filler = new TensorFiller(config.input.width, config.input.height, config.input, LETTERBOX_VALUE);
    this.thresholds = thresholdsByClass(config);
    this.isBackground = new Uint8Array(config.classes.map((c) => (config.background.includes(c) ? 1 : 0)));
    this.batch = new Float32Array(batchSize * this.filler.itemSize);
    if (config.outputs) this.logits = config.outputs === 'logits';
  }

  detect(image: RawImage | Buffer | string, opts: { gsdM?: number } = {}): Promise<DetectResult> {
    const run = this.queue.then(() => this.detectNow(image, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async detectNow(image: RawImage | Buffer | string, opts: { gsdM?: number }): Promise<DetectResult> {
    const stats: DetectStats = { tiles: 0, preprocessMs: 0, inferMs: 0, postprocessMs: 0 };
    let t = performance.now();
    const original = isRawImage(image) ? image : await decodeImage(image);
    const { width, height } = original;

    // A model trained at gsdM metres/pixel sees damage at that scale; a sharper picture is shrunk to match.
    let img = original;
    if (this.config.gsdM !== undefined && opts.gsdM !== undefined && opts.gsdM > 0 && opts.gsdM < this.config.gsdM) {
      const f = opts.gsdM / this.config.gsdM;
      img = await resizeRaw(original, Math.max(1, Math.round(width * f)), Math.max(1, Math.round(height * f)));
    }
    const scaleX = width / img.width;
    const scaleY = height / img.height;
    const { width: inW, height: inH } = this.config.input;
    const tiles =
      this.config.task === 'detect'
        ? planTiles(img.width, img.height, inW, inH, this.config.tileOverlap)
        : planPatches(img.width, img.height, inW, inH, this.config.patchStride);
    stats.tiles = tiles.length;
    stats.preprocessMs += performance.now() - t;

    this.allCands.clear();
    for (let start = 0; start < tiles.length; start += this.batchSize) {
      const n = Math.min(this.batchSize, tiles.length - start);
      t = performance.now();
      for (let k = 0; k < n; k++) this.filler.fill(this.batch, k, img, tiles[start + k] as Tile);
      const items = this.fixedBatch ? this.batchSize : n;
      for (let k = n; k < items; k++) this.filler.blank(this.batch, k);
      const input = new Tensor('float32', this.batch.subarray(0, items * this.filler.itemSize), [items, 3, inH, inW]);
      stats.preprocessMs += performance.now() - t;

      t = performance.now();
      const outputs = await this.session.run({ [this.inputName]: input });
      stats.inferMs += performance.now() - t;

      t = performance.now();
      const out = outputs[this.outputName];
      if (!out || out.type !== 'float32') throw ModelUnsupported([this.name, `output '${this.outputName}' is not float32`]);
      const data = out.data as Float32Array;
      const dims = out.dims as readonly number[];
      for (let k = 0; k < n; k++) {
        const tile = tiles[start + k] as Tile;
        if (this.config.task === 'detect') this.decodeTile(data, dims, k, start + k, tile, scaleX, scaleY);
        else this.classifyPatch(data, dims, k, n, start + k, tile, scaleX, scaleY);
      }
      for (const o of Object.values(outputs)) o.dispose();
      stats.postprocessMs += performance.now() - t;
    }

    t = performance.now();
    const detections = this.config.task === 'detect' ? this.finishDetect() : this.finishClassify(scaleX);
    stats.postprocessMs += performance.now() - t;
    return { detections, width, height, stats };
  }

  private transform(tile: Tile, scaleX: number, scaleY: number): BoxTransform {
    return {
      padX: tile.padX,
      padY: tile.padY,
      scaleX,
      scaleY,
      originX: tile.x * scaleX,
      originY: tile.y * scaleY,
      clipX1: tile.x * scaleX,
      clipY1: tile.y * scaleY,
      clipX2: (tile.x + tile.width) * scaleX,
      clipY2: (tile.y + tile.height) * scaleY,
    };
  }

  private decodeTile(data: Float32Array, dims: readonly number[], k: number, tileIndex: number, tile: Tile, scaleX: number, scaleY: number): void {
    const tc = this.tileCands;
    tc.clear();
    this.decoder.decode(
      data,
      dims,
      k,
      {
        layout: this.config.layout as 'yolov8' | 'yolov5',
        classCount: this.config.classes.length,
        thresholds: this.thresholds,
        transform: this.transform(tile, scaleX, scaleY),
        group: tileIndex,
      },
      tc,
    );
    if (tc.length === 0) return;
    // NMS within the tile first: the cross-tile pass then sees a few boxes per object, not every anchor that fired.
    for (const i of nms(tc, { iou: this.config.nmsIou, maxDetections: MAX_PER_TILE })) {
      this.allCands.push(tc.x1[i] as number, tc.y1[i] as number, tc.x2[i] as number, tc.y2[i] as number, tc.score[i] as number, tc.cls[i] as number, tileIndex);
    }
  }

  private classifyPatch(data: Float32Array, dims: readonly number[], k: number, rows: number, tileIndex: number, tile: Tile, scaleX: number, scaleY: number): void {
    const C = this.config.classes.length;
    if (dims.length !== 2 || dims[1] !== C) throw ModelUnsupported([this.name, `classifier output [${dims.join(', ')}] does not have ${C} classes`]);
    if (this.logits === undefined) this.logits = !rowsAreProbabilities(data, rows, C);
    if (this.logits) softmaxRow(data, k * C, C);
    const hit = positiveClass(data, k * C, C, this.isBackground, this.thresholds);
    if (!hit) return;
    this.allCands.push(tile.x * scaleX, tile.y * scaleY, (tile.x + tile.width) * scaleX, (tile.y + tile.height) * scaleY, hit.prob, hit.cls, tileIndex);
  }

  private finishDetect(): Detection[] {
    const c = this.allCands;
    return nms(c, { iou: this.config.nmsIou, ios: CROSS_TILE_IOS }).map((i) =>
      this.detection(c.x1[i] as number, c.y1[i] as number, c.x2[i] as number, c.y2[i] as number, c.cls[i] as number, c.score[i] as number),
    );
  }

  private finishClassify(scale: number): Detection[] {
    // Half a stride around the positive patches' centres (see mergeTouching), in full-image pixels.
    const core = (this.config.patchStride * this.config.input.width * scale) / 2;
    return mergeTouching(this.allCands, core).map((b) => this.detection(b.x1, b.y1, b.x2, b.y2, b.cls, b.score));
  }

  private detection(x1: number, y1: number, x2: number, y2: number, cls: number, score: number): Detection {
    return { box: { x1, y1, x2, y2 }, classId: cls, className: this.config.classes[cls] as string, confidence: score };
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}

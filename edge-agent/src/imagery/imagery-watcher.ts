import { watch, type FSWatcher } from 'node:fs';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../sources/source.js';
import type { CameraProfile } from '../mavlink/camera-events.js';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffPolicy } from '../gpsd/backoff.js';
import { createFolderScanner, type SettledFile } from './folder-scanner.js';
import type { PoseLookup } from './image-pose.js';
import { UploadHttpError, createUploadClient } from './upload-client.js';
import { createStateStore } from './upload-state.js';
import { describeFile, toImageBody, uploadFile, type UploadContext, type UploadCounters } from './upload-one.js';
import type { EdgeInference } from './edge-inference.js';

/** core-api refuses chunks above 8 MiB (routes/images.ts MAX_CHUNK_BYTES). */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

export interface ImageryWatcherConfig {
  /** The folder the camera or ground station writes pictures to (not recursive). */
  dir: string;
  /** Where per-image upload state lives; must survive restarts (same disk as the queue). */
  stateDir: string;
  apiBaseUrl: string;
  apiKey: string;
  tenantId?: string;
  deviceId?: string;
  /** Pixel size and profile name for pictures whose files do not say. */
  camera?: CameraProfile;
  /** Default 4 MiB: one chunk is what a flaky link loses at worst. */
  chunkBytes?: number;
  /** 1 or 2 uploads at once; default 1 (one picture finishing beats two half-sent). */
  concurrency?: number;
  /** A file counts as written once unchanged this long; default 2000 ms. */
  settleMs?: number;
  /** Full rescan period, because fs.watch misses events (network shares, some editors, overflow); default 10 s. */
  rescanMs?: number;
  requestTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /**
   * `full` (default): every picture's bytes go to the API. `findings`: only the pose and, with edge inference, the
   * detections and their thumbnails are sent (a poor link); the pictures stay on the station's disk.
   */
  upload?: 'full' | 'findings';
}

export interface ImageryWatcherDeps {
  clock: Clock;
  logger: Logger;
  /** The autopilot's pose at a time, for pictures without GPS in EXIF/XMP (see createPoseHistory). */
  poseAt?: PoseLookup;
  random?: () => number;
  /** Run the damage model here, before the upload, and send its located detections (`detections` readings). */
  inference?: EdgeInference;
}

export interface ImageryWatcher extends Source {
  /** Scans the folder now (tests, or a trigger such as "card mounted"); resolves when the scan, not the uploads, is done. */
  scanNow(): Promise<void>;
}

interface Job {
  file: SettledFile;
  attempt: number;
  waiting: boolean;
}

/**
 * Uploads every picture that appears in `dir` to core-api's resumable image endpoint, then emits its `image`
 * reading (uri = the content URL) so the pose reaches the platform over MQTT. Crash-safe: after a restart each
 * unfinished picture resumes at the server's offset; finished ones are never sent again.
 */
export function buildImageryWatcher(config: ImageryWatcherConfig, deps: ImageryWatcherDeps): ImageryWatcher {
  const { clock, logger } = deps;
  const log = logger.child({ source: 'imagery' });
  const settleMs = config.settleMs ?? 2000;
  const rescanMs = config.rescanMs ?? 10_000;
  const concurrency = Math.min(Math.max(config.concurrency ?? 1, 1), 2);
  const chunkBytes = Math.min(Math.max(config.chunkBytes ?? 4 * 1024 * 1024, 64 * 1024), MAX_CHUNK_BYTES);
  const policy = config.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;

  const counts: UploadCounters & { failed: number; retries: number; inferred: number; detections: number; keptLocal: number } = {
    found: 0, uploaded: 0, resumed: 0, alreadyDone: 0, noPose: 0, bytes: 0, offsetCorrections: 0, failed: 0, retries: 0,
    inferred: 0, detections: 0, keptLocal: 0,
  };
  const uploadMode = config.upload ?? 'full';
  const scanner = createFolderScanner(config.dir, settleMs, () => clock.now());
  const store = createStateStore(config.stateDir);
  const client = createUploadClient({
    baseUrl: config.apiBaseUrl,
    apiKey: config.apiKey,
    ...(config.tenantId ? { tenantId: config.tenantId } : {}),
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
  });
  const jobs = new Map<string, Job>();
  const active = new Map<string, Promise<void>>();
  /** Files handled (done or refused) in this run, by path → version; a new version is a new image. */
  const finished = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const abort = new AbortController();
  let emit: ((reading: Reading) => void) | null = null;
  let fsWatcher: FSWatcher | null = null;
  let scanning: Promise<void> | null = null;
  let rescanRequested = false;
  let closed = false;

  const version = (f: SettledFile) => `${f.size}:${f.mtimeMs}`;
  const later = (ms: number, fn: () => void) => {
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };

  const ctx: UploadContext = {
    client, store, chunkBytes, counts,
    ...(config.deviceId ? { deviceId: config.deviceId } : {}),
    ...(config.camera ? { camera: config.camera } : {}),
    ...(deps.poseAt ? { poseAt: deps.poseAt } : {}),
    now: () => clock.now(),
    emit: (body) => emit?.({ kind: 'image', body }),
  };

  async function scanOnce(): Promise<void> {
    const { settled, settling } = await scanner.scan();
    for (const file of settled) {
      if (finished.get(file.path) === version(file) || jobs.has(file.path) || active.has(file.path)) continue;
      jobs.set(file.path, { file, attempt: 0, waiting: false });
    }
    if (settling > 0) later(settleMs + 10, () => void scan());
    pump();
  }

  function scan(): Promise<void> {
    if (closed) return Promise.resolve();
    if (scanning) {
      rescanRequested = true;
      return scanning;
    }
    scanning = scanOnce()
      .catch((err: unknown) => log.warn({ err, dir: config.dir }, 'image folder scan failed'))
      .finally(() => {
        scanning = null;
        if (rescanRequested) {
          rescanRequested = false;
          void scan();
        }
      });
    return scanning;
  }

  function pump(): void {
    for (const [path, job] of jobs) {
      if (closed || active.size >= concurrency) return;
      if (job.waiting) continue;
      jobs.delete(path);
      active.set(path, run(job).finally(() => {
        active.delete(path);
        pump();
      }));
    }
  }

  async function run(job: Job): Promise<void> {
    const { file } = job;
    try {
      if (deps.inference || uploadMode === 'findings') {
        if (await lookHere(file)) {
          finished.set(file.path, version(file));
          return;
        }
      }
      const state = await uploadFile(ctx, file, job.attempt, abort.signal);
      finished.set(file.path, version(file));
      log.info({ path: file.path, imageId: state.imageId, bytes: state.size }, 'image uploaded');
    } catch (err) {
      if (closed) return;
      if (isTransient(err)) {
        counts.retries++;
        const delayMs = backoffDelayMs(policy, job.attempt, random);
        job.attempt++;
        job.waiting = true;
        jobs.set(file.path, job);
        log.warn({ path: file.path, attempt: job.attempt, delayMs, err: String(err) }, 'image upload interrupted; will resume');
        later(delayMs, () => {
          job.waiting = false;
          pump();
        });
        return;
      }
      counts.failed++;
      finished.set(file.path, version(file));
      log.error({ path: file.path, err }, 'image upload refused; retried after a restart or when the file changes');
      const state = await store.load(file.path).catch(() => null);
      if (state && state.size === file.size && state.mtimeMs === file.mtimeMs) {
        await store.save({ ...state, status: 'failed', lastError: String(err).slice(0, 500) }).catch(() => undefined);
      }
    }
  }

  /**
   * Edge inference and the `findings` upload mode: the model runs once per file version (remembered in the state
   * file, so a restart does not send the detections twice); in `findings` mode the picture is then done without its
   * bytes. True when nothing is left to upload.
   */
  async function lookHere(file: SettledFile): Promise<boolean> {
    let state = await store.load(file.path);
    if (state && (state.size !== file.size || state.mtimeMs !== file.mtimeMs)) state = null;
    if (state?.status === 'done') return true;
    state ??= await describeFile(ctx, file);
    if (deps.inference && !state.inferred) {
      const body = await deps.inference.inspect(file.path, state.imageId, state.pose);
      if (body) {
        emit?.({ kind: 'detections', body });
        counts.inferred++;
        counts.detections += body.detections.length;
      }
      state = { ...state, inferred: true };
      await store.save(state);
    }
    if (uploadMode === 'full') return false;
    const image = toImageBody(ctx, state, undefined);
    if (image) emit?.({ kind: 'image', body: image });
    else counts.noPose++;
    await store.save({ ...state, status: 'done', doneAt: clock.now() });
    counts.keptLocal++;
    log.info({ path: file.path, imageId: state.imageId }, 'picture kept on the station; pose and detections sent');
    return true;
  }

  return {
    name: 'imagery',
    async start(emitReading) {
      emit = emitReading;
      try {
        fsWatcher = watch(config.dir, { persistent: false }, () => later(50, () => void scan()));
        fsWatcher.on('error', (err) => log.warn({ err, dir: config.dir }, 'fs.watch failed; relying on the periodic rescan'));
      } catch (err) {
        log.warn({ err, dir: config.dir }, 'cannot watch the image folder (yet); relying on the periodic rescan');
      }
      const tick = () => {
        void scan();
        later(rescanMs, tick);
      };
      tick();
    },
    async close() {
      closed = true;
      abort.abort();
      fsWatcher?.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await scanning;
      await Promise.allSettled([...active.values()]);
      await deps.inference?.close();
    },
    async scanNow() {
      await scanning;
      await scan();
    },
    stats: () => ({ ...counts, queued: jobs.size, active: active.size }),
  };
}

/** Network trouble, timeouts and the server's 5xx/429 pass; a refused request or a changed file does not. */
function isTransient(err: unknown): boolean {
  if (err instanceof UploadHttpError) return err.retryable;
  const name = (err as Error)?.name;
  // fetch reports a dropped connection as TypeError("fetch failed"), a timeout as TimeoutError.
  return name === 'TypeError' || name === 'TimeoutError' || name === 'AbortError';
}

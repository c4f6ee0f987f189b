import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { FieldtraceError } from '@fieldtrace/service-kit';
import type { CameraProfile } from '../mavlink/camera-events.js';
import type { SettledFile } from './folder-scanner.js';
import { contentTypeOf } from './folder-scanner.js';
import { mergePose, readEmbeddedPose, type ImageBody, type PoseLookup } from './image-pose.js';
import type { UploadClient } from './upload-client.js';
import type { StateStore, UploadState } from './upload-state.js';

/** protocol EventTime's lower bound (2000-01-01): a camera whose clock was never set writes 1970 or 2000. */
const MIN_EVENT_TIME = 946684800000;

export const FileChanged = (path: string) =>
  new FieldtraceError('FT_IMAGE_FILE_CHANGED', `${path} changed while it was being uploaded; it will be picked up as a new image`, {
    statusCode: 409,
  });

export interface UploadCounters {
  /** Image files not yet complete on the server, once per file version and process. */
  found: number;
  uploaded: number;
  /** Times an upload continued from a non-zero server offset (after a restart or a dropped connection). */
  resumed: number;
  alreadyDone: number;
  noPose: number;
  bytes: number;
  offsetCorrections: number;
}

export interface UploadContext {
  client: UploadClient;
  store: StateStore;
  chunkBytes: number;
  deviceId?: string;
  camera?: CameraProfile;
  poseAt?: PoseLookup;
  now(): number;
  counts: UploadCounters;
  emit(body: ImageBody): void;
}

/**
 * Takes one settled file to "complete on the server", resuming wherever the server is. Safe to run again at any
 * point after a crash: the state file only ever records facts the server already has.
 */
export async function uploadFile(ctx: UploadContext, file: SettledFile, attempt: number, signal: AbortSignal): Promise<UploadState> {
  const { client, store, counts } = ctx;
  let state = await store.load(file.path);
  if (state && (state.size !== file.size || state.mtimeMs !== file.mtimeMs)) state = null;
  if (state?.status === 'done') {
    counts.alreadyDone++;
    return state;
  }
  if (attempt === 0) counts.found++;
  state ??= await describeFile(ctx, file);
  await store.save(state);

  let offset: number | null = state.announced ? await client.offset(state.imageId, signal) : null;
  if (offset === null) {
    const server = await client.announce({
      imageId: state.imageId,
      byteLength: state.size,
      sha256: state.sha256,
      contentType: state.contentType,
      metadata: { ...state.pose, ...(ctx.deviceId ? { deviceId: ctx.deviceId } : {}) },
    }, signal);
    offset = server.status === 'complete' ? state.size : server.offset;
    if (!state.announced) {
      state.announced = true;
      await store.save(state);
    }
  }
  if (offset > 0 && offset < state.size) counts.resumed++;

  const fh = await open(file.path, 'r');
  try {
    while (offset < state.size) {
      const length = Math.min(ctx.chunkBytes, state.size - offset);
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(chunk, 0, length, offset);
      if (bytesRead !== length) throw FileChanged(file.path);
      const result = await client.append(state.imageId, offset, chunk, signal);
      if (result.ok) {
        counts.bytes += length;
        offset = result.offset;
      } else {
        // Our previous PATCH landed although its answer was lost (or another sender raced us): go where the server is.
        counts.offsetCorrections++;
        if (result.serverOffset > state.size) throw FileChanged(file.path);
        offset = result.serverOffset;
      }
    }
  } finally {
    await fh.close();
  }

  // Metadata after the bytes, so the platform never points at an image it cannot serve. A crash between emit and
  // save re-emits on restart (at least once; the imageId lets the platform de-duplicate).
  const body = toImageBody(ctx, state, client.contentUrl(state.imageId));
  if (body) ctx.emit(body);
  else counts.noPose++;
  const done: UploadState = { ...state, status: 'done', doneAt: ctx.now() };
  delete done.lastError;
  await store.save(done);
  counts.uploaded++;
  return done;
}

/** The state of a file not seen before: its digest, id and pose (embedded, else the autopilot's at its capture time). */
export async function describeFile(ctx: Pick<UploadContext, 'now' | 'poseAt'>, file: SettledFile): Promise<UploadState> {
  const sha256 = await sha256OfFile(file.path);
  const embedded = await readEmbeddedPose(file.path);
  let ts = embedded.ts ?? Math.round(file.mtimeMs);
  if (ts < MIN_EVENT_TIME) ts = ctx.now();
  const pose = mergePose(embedded, ctx.poseAt?.(ts));
  if (pose.width === undefined || pose.height === undefined) {
    // A JPEG without EXIF dimensions (a ground station's own encoder, a stripped copy): its header says.
    const { readImageSize } = await import('@fieldtrace/inspection/imaging');
    const size = await readImageSize(file.path);
    if (size) Object.assign(pose, size);
  }
  return {
    path: file.path,
    size: file.size,
    mtimeMs: file.mtimeMs,
    imageId: imageIdFor(file.path, sha256),
    sha256,
    contentType: contentTypeOf(file.path) ?? 'application/octet-stream',
    pose: { ...pose, ts: pose.ts !== undefined && pose.ts >= MIN_EVENT_TIME ? pose.ts : ts },
    status: 'pending',
    announced: false,
  };
}

/**
 * `DJI_0042-<16 hex of sha256>`: readable, and unique although cameras restart their numbering on every card;
 * the same bytes always get the same id, so a re-copied file is recognised by the server as already complete.
 */
export function imageIdFor(path: string, sha256: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 96);
  return `${stem || 'image'}-${sha256.slice(0, 16)}`;
}

/** The `image` reading, when the pose is complete enough for the protocol (position and pixel size). */
export function toImageBody(ctx: Pick<UploadContext, 'camera'>, state: UploadState, uri: string | undefined): ImageBody | undefined {
  const { pose } = state;
  const width = pose.width ?? ctx.camera?.widthPx;
  const height = pose.height ?? ctx.camera?.heightPx;
  if (pose.lat === undefined || pose.lon === undefined || width === undefined || height === undefined) return undefined;
  const cameraProfile = pose.cameraProfile ?? ctx.camera?.profile;
  return {
    ...pose,
    imageId: state.imageId,
    ...(uri === undefined ? {} : { uri }),
    lat: pose.lat,
    lon: pose.lon,
    width,
    height,
    ...(cameraProfile ? { cameraProfile } : {}),
  };
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path)) hash.update(block as Buffer);
  return hash.digest('hex');
}

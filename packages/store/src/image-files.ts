import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The image store's file layout, shared by core-api (which receives uploads) and the inspection worker (which reads
 * them): `<imageDir>/<tenant>/<imageId>.part` while uploading, `<imageId>.bin` once the SHA-256 matched, and a JSON
 * sidecar `<imageId>.json` with the declared size, digest, capture pose and status. The directory is shared storage
 * (a volume or a mounted bucket), so this module is the one place that knows the names. The suffixes never end one
 * another, so no image id can name another image's files.
 */

/** Image ids as files: letters, digits, `_ - .`, no `..` (so none climbs out of its tenant's folder). */
export const IMAGE_ID_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9_.-]{1,128}$';
const imageIdRe = new RegExp(IMAGE_ID_PATTERN);

export function isSafeImageId(imageId: string): boolean {
  return imageIdRe.test(imageId);
}

/** The capture pose an uploader declared: protocol ImageMetadata's pose fields, all optional but `ts`. */
export interface ImageFileMetadata {
  ts: number;
  deviceId?: string;
  lat?: number;
  lon?: number;
  altRel?: number;
  roll?: number;
  pitch?: number;
  yaw?: number;
  gimbalPitch?: number;
  gimbalYaw?: number;
  width?: number;
  height?: number;
  cameraProfile?: string;
}

/** The sidecar. */
export interface ImageRecord {
  imageId: string;
  byteLength: number;
  sha256: string;
  contentType: string;
  metadata: ImageFileMetadata;
  status: 'uploading' | 'complete';
  createdAt: number;
  completedAt?: number;
}

export interface ImageFilePaths {
  /** The tenant's folder. */
  dir: string;
  /** JSON sidecar. */
  meta: string;
  /** Bytes received so far. */
  part: string;
  /** The verified image. */
  data: string;
}

/** Throws on an id outside IMAGE_ID_PATTERN: a path is never built from one (callers validate first). */
export function imageFilePaths(imageDir: string, tenant: string, imageId: string): ImageFilePaths {
  if (!isSafeImageId(imageId)) throw new Error(`unsafe image id ${JSON.stringify(imageId)}`);
  const dir = join(imageDir, tenant);
  return { dir, meta: join(dir, `${imageId}.json`), part: join(dir, `${imageId}.part`), data: join(dir, `${imageId}.bin`) };
}

/**
 * An image's sidecar and how many bytes the server holds, with a crash mid-upload resolved; null when there is no such
 * image (or the id could not name one).
 */
export async function readImageUpload(imageDir: string, tenant: string, imageId: string): Promise<{ record: ImageRecord; offset: number } | null> {
  if (!isSafeImageId(imageId)) return null;
  const p = imageFilePaths(imageDir, tenant, imageId);
  let record: ImageRecord;
  try {
    record = JSON.parse(await readFile(p.meta, 'utf8')) as ImageRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (record.status === 'complete') return { record, offset: record.byteLength };
  // The part file's size is the truth: a crash between append and any bookkeeping cannot disagree with it.
  const size = await stat(p.part).then((s) => s.size, () => null);
  if (size !== null) return { record, offset: size };
  // A crash between the rename (made only after the digest matched) and the sidecar update: it is complete.
  const done = await stat(p.data).then((s) => s.size === record.byteLength, () => false);
  return done ? { record: { ...record, status: 'complete' }, offset: record.byteLength } : { record, offset: 0 };
}

/** The sidecar as it stands (status 'complete' means the bytes are at `imageFilePaths(...).data`); null when none. */
export async function readImageRecord(imageDir: string, tenant: string, imageId: string): Promise<ImageRecord | null> {
  return (await readImageUpload(imageDir, tenant, imageId))?.record ?? null;
}

/** Replaces the sidecar atomically (write, fsync, rename), so a reader never sees half a document. */
export async function writeImageRecord(imageDir: string, tenant: string, record: ImageRecord): Promise<void> {
  const p = imageFilePaths(imageDir, tenant, record.imageId);
  const tmp = `${p.meta}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(record));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, p.meta);
}

import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ImagePose } from './image-pose.js';

/**
 * What the watcher remembers about one image file across restarts. `size` and `mtimeMs` identify the version of
 * the file this state is for: a file rewritten in place is a new image. The byte offset is NOT kept here: the
 * server's offset is the truth, asked for on every (re)start, so a lost or stale state file can never corrupt.
 */
export interface UploadState {
  path: string;
  size: number;
  mtimeMs: number;
  imageId: string;
  sha256: string;
  contentType: string;
  pose: ImagePose & { ts: number };
  /** pending: not yet complete on the server; done: complete there (never sent again); failed: refused for good. */
  status: 'pending' | 'done' | 'failed';
  /** The server has accepted the POST, so HEAD can tell the offset. */
  announced: boolean;
  lastError?: string;
  doneAt?: number;
  /** Edge inference ran and its `detections` reading was handed to the queue (never run twice for one version). */
  inferred?: boolean;
}

export interface StateStore {
  load(path: string): Promise<UploadState | null>;
  save(state: UploadState): Promise<void>;
}

/** One small JSON file per image, named by a hash of the image's absolute path; written atomically (tmp, fsync, rename). */
export function createStateStore(dir: string): StateStore {
  let ready: Promise<unknown> | null = null;
  const fileFor = (path: string) => join(dir, `${createHash('sha256').update(resolve(path)).digest('hex').slice(0, 32)}.json`);
  return {
    async load(path) {
      try {
        const state = JSON.parse(await readFile(fileFor(path), 'utf8')) as UploadState;
        return state.path === resolve(path) ? state : null;
      } catch {
        // Missing or torn (a crash mid-write cannot tear it, but a bad disk can): start over, the server knows the offset.
        return null;
      }
    },
    async save(state) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const file = fileFor(state.path);
      const tmp = `${file}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(JSON.stringify({ ...state, path: resolve(state.path) }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    },
  };
}

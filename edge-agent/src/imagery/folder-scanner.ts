import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

/** Still images a drone camera or ground station writes; video and sidecars (.SRT, .MP4, .xmp) are not images. */
export const IMAGE_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.png', 'image/png'],
  ['.tif', 'image/tiff'],
  ['.tiff', 'image/tiff'],
  ['.dng', 'image/x-adobe-dng'],
]);

export function contentTypeOf(path: string): string | undefined {
  return IMAGE_EXTENSIONS.get(extname(path).toLowerCase());
}

export interface SettledFile {
  path: string;
  size: number;
  mtimeMs: number;
}

interface Seen {
  size: number;
  mtimeMs: number;
  /** When the size and mtime were first seen as they are now (clock ms). */
  since: number;
}

/**
 * Lists the image files of a folder that have stopped changing: a file counts once its size and mtime stayed the
 * same for `settleMs` across scans, because a camera or a copy writes a picture in many steps and a half-written
 * file hashes to the wrong sha256. Dot files (editors', rsync's temporaries) are ignored.
 */
export function createFolderScanner(dir: string, settleMs: number, now: () => number) {
  const seen = new Map<string, Seen>();
  return {
    /** The settled files, and how many are still changing (the caller scans again after `settleMs` then). */
    async scan(): Promise<{ settled: SettledFile[]; settling: number }> {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settled: [], settling: 0 };
        throw err;
      }
      const present = new Set<string>();
      const out: SettledFile[] = [];
      let settling = 0;
      const t = now();
      for (const name of names.sort()) {
        if (name.startsWith('.') || !contentTypeOf(name)) continue;
        const path = resolve(join(dir, name));
        const s = await stat(path).catch(() => null);
        if (!s?.isFile() || s.size === 0) continue;
        present.add(path);
        const before = seen.get(path);
        if (!before || before.size !== s.size || before.mtimeMs !== s.mtimeMs) {
          seen.set(path, { size: s.size, mtimeMs: s.mtimeMs, since: t });
          settling++;
        } else if (t - before.since >= settleMs) {
          out.push({ path, size: s.size, mtimeMs: s.mtimeMs });
        } else {
          settling++;
        }
      }
      for (const path of seen.keys()) if (!present.has(path)) seen.delete(path);
      return { settled: out, settling };
    },
  };
}

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where the last good profile survives a reboot, so a device that boots offline runs its last configuration. */
export interface ProfileStore {
  load(): string | null;
  save(text: string): void;
}

/**
 * One JSON file, replaced atomically: write a temporary file, fsync it, rename over the old one, fsync the folder.
 * A power cut at any point leaves either the old or the new profile, never half of one.
 */
export function fileProfileStore(path: string): ProfileStore {
  return {
    load() {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    save(text) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      const dir = openSync(dirname(path), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    },
  };
}

export function memoryProfileStore(initial: string | null = null): ProfileStore & { saved: string | null } {
  const store = {
    saved: initial,
    load: () => store.saved,
    save: (text: string) => {
      store.saved = text;
    },
  };
  return store;
}

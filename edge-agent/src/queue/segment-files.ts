import { open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Segment files are named by the seq of the first record they hold (16 digits cover Number.MAX_SAFE_INTEGER), so
 * listing the directory orders them and tells which seq a fresh segment starts at even when it is still empty.
 */
const SEGMENT_SUFFIX = '.seg';
const DIGITS = 16;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentName(name: string): number | null {
  if (name.length !== DIGITS + SEGMENT_SUFFIX.length || !name.endsWith(SEGMENT_SUFFIX)) return null;
  const digits = name.slice(0, DIGITS);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return Number(digits);
}

export async function listSegments(dir: string): Promise<number[]> {
  const firsts: number[] = [];
  for (const name of await readdir(dir)) {
    const first = parseSegmentName(name);
    if (first !== null) firsts.push(first);
    else if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);
  }
  return firsts.sort((a, b) => a - b);
}

/** Makes a create, rename or unlink in `dir` itself durable (POSIX: the directory entry needs its own fsync). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` so a reader sees the old or the new content, never a mix: temp file, fsync, rename, fsync dir. */
export async function writeFileAtomic(dir: string, name: string, content: string): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, name));
  await fsyncDir(dir);
}

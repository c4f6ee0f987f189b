import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './segment-files.js';

export const ACK_CURSOR_FILE = 'ack-cursor.json';

/** The seq through which the broker has acknowledged every record (-1: none yet). Written atomically. */
export async function readAckCursor(dir: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(dir, ACK_CURSOR_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw err;
  }
  const parsed = JSON.parse(text) as { ackedSeq?: unknown };
  if (typeof parsed.ackedSeq !== 'number' || !Number.isSafeInteger(parsed.ackedSeq) || parsed.ackedSeq < -1) {
    throw new Error(`ack cursor ${join(dir, ACK_CURSOR_FILE)} is malformed: ${text.slice(0, 80)}`);
  }
  return parsed.ackedSeq;
}

export function writeAckCursor(dir: string, ackedSeq: number): Promise<void> {
  return writeFileAtomic(dir, ACK_CURSOR_FILE, JSON.stringify({ ackedSeq }));
}

import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@fieldtrace/service-kit';
import { readAckCursor } from './ack-cursor.js';
import { decodePayload } from './queue-record.js';
import { scanFrames } from './record-frame.js';
import type { Segment } from './segment.js';
import { fsyncDir, listSegments, segmentName } from './segment-files.js';

export interface RecoveredLog {
  segments: Segment[];
  nextSeq: number;
  ackedSeq: number;
  /** Bytes cut from the end of the last segment: a record torn by a crash or power cut mid-write. */
  truncatedBytes: number;
  corruptRegions: number;
  corruptBytes: number;
}

/**
 * Opens the log after a clean stop or a crash. Only the last segment can hold a torn write (earlier ones were
 * complete before the next was created), so only it is scanned: a damaged run at its very end is truncated; damaged
 * runs followed by valid records are corruption, counted and logged, and skipped when read. Nothing else is dropped.
 * The next seq continues after the last record that survived — or after the ack cursor or the segment's name,
 * whichever is higher — so a seq the broker may have seen is never reused.
 */
export async function recoverLog(dir: string, logger: Logger): Promise<RecoveredLog> {
  await mkdir(dir, { recursive: true });
  const ackedSeq = await readAckCursor(dir);
  const firsts = await listSegments(dir);
  const result: RecoveredLog = { segments: [], nextSeq: 0, ackedSeq, truncatedBytes: 0, corruptRegions: 0, corruptBytes: 0 };

  if (firsts.length === 0) {
    const firstSeq = ackedSeq + 1;
    const path = join(dir, segmentName(firstSeq));
    await (await open(path, 'w')).close();
    await fsyncDir(dir);
    result.segments.push({ firstSeq, path, bytes: 0 });
    result.nextSeq = firstSeq;
    return result;
  }

  for (const firstSeq of firsts.slice(0, -1)) {
    const path = join(dir, segmentName(firstSeq));
    result.segments.push({ firstSeq, path, bytes: (await stat(path)).size });
  }
  const lastFirst = firsts[firsts.length - 1]!;
  const lastPath = join(dir, segmentName(lastFirst));
  const content = await readFile(lastPath);
  let lastPayload = null as Buffer | null;
  const scan = scanFrames(content, (payload) => {
    lastPayload = payload;
  });
  for (const region of scan.corrupt) {
    result.corruptRegions++;
    result.corruptBytes += region.bytes;
    logger.error({ segment: lastPath, offset: region.offset, bytes: region.bytes }, 'queue segment has a corrupt region; its records are skipped');
  }
  let bytes = content.length;
  if (scan.tailAt !== null) {
    const handle = await open(lastPath, 'r+');
    try {
      await handle.truncate(scan.tailAt);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    result.truncatedBytes = content.length - scan.tailAt;
    bytes = scan.tailAt;
    logger.warn({ segment: lastPath, offset: scan.tailAt, bytes: result.truncatedBytes }, 'queue had a torn write at its end; truncated');
  }
  result.segments.push({ firstSeq: lastFirst, path: lastPath, bytes });
  const lastSeq = lastPayload === null ? lastFirst - 1 : decodePayload(lastPayload).seq;
  result.nextSeq = Math.max(lastSeq + 1, lastFirst, ackedSeq + 1);
  return result;
}

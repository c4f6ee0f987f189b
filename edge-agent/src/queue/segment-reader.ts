import { open } from 'node:fs/promises';
import { decodePayload, type QueueRecord } from './queue-record.js';
import { FRAME_HEADER_BYTES, scanFrames } from './record-frame.js';
import type { ReadResult, Segment } from './segment.js';

const CHUNK_BYTES = 256 * 1024;
const REMEMBERED_POSITIONS = 8;

export interface CorruptionReport {
  segment: string;
  offset: number;
  bytes: number;
}

interface Position {
  segmentFirstSeq: number;
  offset: number;
}

/**
 * Reads records from segment files in chunks. Remembers where recent reads stopped, so draining in order (one
 * cursor for the backlog, one for live records) never rescans a segment from its start.
 */
export class SegmentReader {
  private readonly positions = new Map<number, Position>();
  private readonly reported = new Set<string>();
  private readonly onCorrupt: (report: CorruptionReport) => void;

  constructor(onCorrupt: (report: CorruptionReport) => void) {
    this.onCorrupt = onCorrupt;
  }

  /**
   * Records with `from <= seq < until`, at most `max`. `limitOf(segment)` is how many bytes of it are durable;
   * `endSeq` is the seq after the last durable record (where `resumeAt` lands when the scan reaches the end).
   */
  async read(
    segments: readonly Segment[],
    limitOf: (segment: Segment) => number,
    from: number,
    max: number,
    until: number,
  ): Promise<ReadResult> {
    const records: QueueRecord[] = [];
    const start = this.positions.get(from);
    let index = start ? segments.findIndex((s) => s.firstSeq === start.segmentFirstSeq) : -1;
    let offset = index >= 0 && start ? start.offset : 0;
    if (index < 0) {
      index = 0;
      for (let i = 0; i < segments.length; i++) if (segments[i]!.firstSeq <= from) index = i;
    }
    for (; index < segments.length; index++, offset = 0) {
      const segment = segments[index]!;
      const stop = await this.readSegment(segment, limitOf(segment), offset, from, max, until, records);
      if (stop !== null) {
        const resumeAt = records.length >= max ? records[records.length - 1]!.seq + 1 : until;
        this.remember(resumeAt, { segmentFirstSeq: segment.firstSeq, offset: stop });
        return { records, resumeAt };
      }
    }
    return { records, resumeAt: until };
  }

  /** Returns the offset where reading stopped because `max` or `until` was reached, or null at the segment's end. */
  private async readSegment(
    segment: Segment,
    limit: number,
    offset: number,
    from: number,
    max: number,
    until: number,
    out: QueueRecord[],
  ): Promise<number | null> {
    if (offset >= limit) return null;
    let handle;
    try {
      handle = await open(segment.path, 'r');
    } catch (err) {
      // Evicted or garbage-collected between the caller's snapshot and now: its records are gone.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      let chunk = CHUNK_BYTES;
      while (offset < limit) {
        const length = Math.min(chunk, limit - offset);
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buf, 0, length, offset);
        const data = buf.subarray(0, bytesRead);
        let stopAt: number | null = null;
        const scan = scanFrames(data, (payload, at) => {
          const record = decodePayload(payload);
          if (record.seq < from) return true;
          if (record.seq >= until) {
            stopAt = offset + at;
            return false;
          }
          out.push(record);
          if (out.length >= max) {
            stopAt = offset + at + FRAME_HEADER_BYTES + payload.length;
            return false;
          }
          return true;
        });
        for (const region of scan.corrupt) this.report(segment, offset + region.offset, region.bytes);
        if (stopAt !== null) return stopAt;
        const atEnd = offset + bytesRead >= limit;
        if (scan.tailAt !== null && !atEnd) {
          // A frame crosses the chunk boundary: continue from it, with a bigger chunk if it alone is larger.
          if (scan.tailAt === 0) chunk *= 2;
          offset += scan.tailAt;
          continue;
        }
        if (scan.tailAt !== null) this.report(segment, offset + scan.tailAt, limit - offset - scan.tailAt);
        if (bytesRead === 0) return null;
        offset += bytesRead;
      }
      return null;
    } finally {
      await handle.close();
    }
  }

  private report(segment: Segment, offset: number, bytes: number): void {
    const key = `${segment.firstSeq}:${offset}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onCorrupt({ segment: segment.path, offset, bytes });
  }

  private remember(seq: number, position: Position): void {
    this.positions.delete(seq);
    this.positions.set(seq, position);
    if (this.positions.size > REMEMBERED_POSITIONS) this.positions.delete(this.positions.keys().next().value!);
  }
}

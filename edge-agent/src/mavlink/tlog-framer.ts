import { frameLength } from './frame.js';

/** One `.tlog` record: when the ground station logged the frame (Unix ms), and the frame bytes. */
export interface TlogRecord {
  loggedAtMs: number;
  frame: Buffer;
}

const TIMESTAMP_BYTES = 8;
/** Logged times outside 2000..2100 mean we are not on a record boundary. */
const MIN_PLAUSIBLE_US = 946_684_800_000_000n;
const MAX_PLAUSIBLE_US = 4_102_444_800_000_000n;

/**
 * Splits a `.tlog` (MAVProxy/Mission Planner telemetry log) into records: an 8-byte big-endian microsecond Unix
 * timestamp followed by exactly one MAVLink v1 or v2 frame whose length comes from its own header.
 *
 * Framing explicitly matters: a scanning splitter fed the raw file mistakes 0xFE/0xFD bytes inside timestamps for
 * frame starts and, when that fake header names an unknown id, skips a whole fake frame, losing 4-5 % of packets.
 *
 * Incremental: `push` chunks in any sizes; `end` reports a trailing partial record. When a record does not start
 * with a start byte (corrupt file), it scans forward one byte at a time for the next plausible record and counts
 * the skipped bytes.
 */
export class TlogFramer {
  private pending: Buffer = Buffer.alloc(0);
  recordsRead = 0;
  resyncBytes = 0;
  truncated = 0;

  push(chunk: Buffer): TlogRecord[] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: TlogRecord[] = [];
    let offset = 0;
    while (buf.length - offset > TIMESTAMP_BYTES) {
      const length = frameLength(buf, offset + TIMESTAMP_BYTES);
      if (length === undefined) break;
      if (length < 0 || !plausibleTimestamp(buf, offset)) {
        offset++;
        this.resyncBytes++;
        continue;
      }
      const end = offset + TIMESTAMP_BYTES + length;
      if (end > buf.length) break;
      const loggedAtMs = Number(buf.readBigUInt64BE(offset) / 1000n);
      out.push({ loggedAtMs, frame: buf.subarray(offset + TIMESTAMP_BYTES, end) });
      this.recordsRead++;
      offset = end;
    }
    // Copy the remainder so the caller's chunk (and the frames above, which share its memory) are not pinned.
    this.pending = offset >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(offset));
    return out;
  }

  /** Call at end of input: a leftover partial record (a log cut mid-write) is counted, not returned. */
  end(): void {
    if (this.pending.length > 0) this.truncated++;
    this.pending = Buffer.alloc(0);
  }
}

function plausibleTimestamp(buf: Buffer, offset: number): boolean {
  const us = buf.readBigUInt64BE(offset);
  return us >= MIN_PLAUSIBLE_US && us < MAX_PLAUSIBLE_US;
}

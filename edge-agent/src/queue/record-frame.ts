import { crc32 } from 'node:zlib';
import { RecordTooLarge } from './queue-errors.js';

/**
 * On-disk record frame: `[u32le payload length][u32le CRC-32 of payload][payload]`. The CRC (zlib's, IEEE 802.3
 * polynomial) covers the payload only; a damaged length field is caught because the frame then overruns the file,
 * is empty, exceeds MAX_RECORD_BYTES, or its CRC fails.
 */
export const FRAME_HEADER_BYTES = 8;
/** No uplink message comes near this (protocol MAX_PAYLOAD_BYTES is 128 KiB); larger lengths mean damage. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export function encodeFrames(payloads: readonly Buffer[]): Buffer {
  let total = 0;
  for (const p of payloads) total += FRAME_HEADER_BYTES + p.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of payloads) {
    if (p.length === 0 || p.length > MAX_RECORD_BYTES) throw RecordTooLarge([p.length, MAX_RECORD_BYTES]);
    out.writeUInt32LE(p.length, at);
    out.writeUInt32LE(crc32(p), at + 4);
    p.copy(out, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + p.length;
  }
  return out;
}

/** Length of the valid frame starting at `at`, or 0 when the bytes there are not one. */
function frameLengthAt(buf: Buffer, at: number): number {
  if (buf.length - at < FRAME_HEADER_BYTES) return 0;
  const len = buf.readUInt32LE(at);
  if (len === 0 || len > MAX_RECORD_BYTES || at + FRAME_HEADER_BYTES + len > buf.length) return 0;
  const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + len);
  return crc32(payload) === buf.readUInt32LE(at + 4) ? FRAME_HEADER_BYTES + len : 0;
}

export interface CorruptRegion {
  /** Offset within the scanned buffer. */
  offset: number;
  bytes: number;
}

export interface FrameScan {
  /** Offset just past the last valid frame visited (where the next frame starts or would start). */
  end: number;
  /**
   * Offset of an incomplete or damaged run at the end that no later valid frame follows, or null. In the last
   * segment this is a torn write from a crash and is truncated; anywhere else it is reported as corruption.
   */
  tailAt: number | null;
  /** Damaged runs that a valid frame follows: skipped (never silently — callers count and log them). */
  corrupt: CorruptRegion[];
}

/**
 * Walks the frames in `buf`, calling `onFrame(payload, offset)` for each valid one; returning false from it stops
 * the scan just after that frame. After a damaged frame, resynchronises on the next offset that holds a valid frame
 * (byte by byte: rare, and bounded by the buffer).
 */
export function scanFrames(buf: Buffer, onFrame: (payload: Buffer, offset: number) => boolean | void): FrameScan {
  const corrupt: CorruptRegion[] = [];
  let at = 0;
  while (at < buf.length) {
    const len = frameLengthAt(buf, at);
    if (len === 0) {
      let next = at + 1;
      while (next < buf.length && frameLengthAt(buf, next) === 0) next++;
      if (next >= buf.length) return { end: at, tailAt: at, corrupt };
      corrupt.push({ offset: at, bytes: next - at });
      at = next;
      continue;
    }
    const keepGoing = onFrame(buf.subarray(at + FRAME_HEADER_BYTES, at + len), at);
    at += len;
    if (keepGoing === false) break;
  }
  return { end: at, tailAt: null, corrupt };
}

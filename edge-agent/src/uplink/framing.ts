import { isUplinkKind, MAX_FIXES_PER_MESSAGE, MAX_PAYLOAD_BYTES, WIRE_VERSION, type UplinkKind } from '@fieldtrace/protocol';
import type { QueueRecord } from '../queue/index.js';

/** One MQTT publish and the seqs its PUBACK acknowledges. */
export interface OutgoingMessage {
  kind: UplinkKind;
  payload: string;
  seqs: number[];
}

export interface FrameResult {
  messages: OutgoingMessage[];
  /** How many input records the messages cover (a prefix: the rest did not fit in `maxMessages`). */
  consumed: number;
  /**
   * Index of the first record of the last message when that message is a fix batch with room left that runs to
   * the end of the input: more fixes may follow, so the caller may hold it back (drop it and re-read from there).
   */
  openBatchAt: number | null;
}

/**
 * Turns queued records (in seq order) into publishes; records of kinds that are never sent (`will`) are covered
 * but produce nothing. Messages come out in seq order, so a connection carries rising seqs.
 */
export interface Framer {
  /** Most records one message carries: the uplink reads this many per free in-flight slot. */
  readonly maxRecordsPerMessage: number;
  frame(records: readonly QueueRecord[], maxMessages: number): FrameResult;
}

export function isSendable(record: QueueRecord): boolean {
  return isUplinkKind(record.kind);
}

const BATCH_HEAD = `{"v":${WIRE_VERSION},"fixes":[`;
const BATCH_TAIL = ']}';

export interface FixBatchOptions {
  /** Fixes per `fixes` message, 1..MAX_FIXES_PER_MESSAGE; 1 sends every fix as its own `fix` message. */
  maxFixes: number;
  /** Ingest refuses larger payloads before parsing (protocol MAX_PAYLOAD_BYTES). */
  maxPayloadBytes?: number;
}

/**
 * Packs each run of consecutive `fix` records into `fixes` messages (`{ v: 1, fixes: [GpsFix…] }`), each fix
 * exactly as stored (own v, seq, ts), bounded by count and payload bytes. A run is broken by any other sendable
 * kind, which keeps the wire in seq order; a run of one goes out as a plain `fix` message. Other kinds stay
 * single messages. One PUBACK acknowledges all of a message's seqs.
 */
export function createFixBatchFramer(options: FixBatchOptions): Framer {
  const maxFixes = Math.max(1, Math.min(MAX_FIXES_PER_MESSAGE, Math.floor(options.maxFixes)));
  const maxBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  return {
    maxRecordsPerMessage: maxFixes,
    frame(records, maxMessages) {
      const messages: OutgoingMessage[] = [];
      let bodies: string[] = [];
      let seqs: number[] = [];
      let bytes = 0;
      let batchStart = -1;

      const closeBatch = () => {
        if (bodies.length === 0) return;
        const payload = bodies.length === 1 ? bodies[0]! : BATCH_HEAD + bodies.join(',') + BATCH_TAIL;
        messages.push({ kind: bodies.length === 1 ? 'fix' : 'fixes', payload, seqs });
        bodies = [];
        seqs = [];
        bytes = 0;
      };

      let i = 0;
      for (; i < records.length; i++) {
        const record = records[i]!;
        if (!isSendable(record)) continue;
        if (record.kind === 'fix') {
          const size = Buffer.byteLength(record.body) + 1;
          const full = bodies.length >= maxFixes || (bodies.length > 0 && BATCH_HEAD.length + bytes + size + BATCH_TAIL.length > maxBytes);
          if (full) closeBatch();
          if (bodies.length === 0) {
            if (messages.length >= maxMessages) break;
            batchStart = i;
          }
          bodies.push(record.body);
          seqs.push(record.seq);
          bytes += size;
          continue;
        }
        closeBatch();
        if (messages.length >= maxMessages) break;
        messages.push({ kind: record.kind as UplinkKind, payload: record.body, seqs: [record.seq] });
      }
      const open = bodies.length > 0 && bodies.length < maxFixes && i === records.length;
      const openBatchAt = open ? batchStart : null;
      closeBatch();
      return { messages, consumed: i, openBatchAt };
    },
  };
}

/** Every record its own message, exactly as stored. */
export const singleRecordFramer: Framer = createFixBatchFramer({ maxFixes: 1 });

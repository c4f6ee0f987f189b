import { WIRE_VERSION } from '@fieldtrace/protocol';

/** A record as the queue hands it out: the uplink needs the kind (topic), the seq (acks) and the wire JSON. */
export interface QueueRecord {
  seq: number;
  /** An uplink kind (`fix`, `status`...), or an agent-internal kind such as `will` that is never sent. */
  kind: string;
  /** The message's JSON exactly as it goes on the wire: `{"v":1,"seq":…,"ts":…,…}`. */
  body: string;
}

export interface QueueEntry {
  kind: string;
  /** The message without `v`/`seq`; the queue stamps both at birth. */
  body: Record<string, unknown>;
}

/**
 * The payload is the JSON `{"kind":…,"message":{"v":1,"seq":…,…}}`. It is written here and only here, so reading
 * can slice the message out instead of re-serialising it; anything unexpected falls back to a full parse.
 */
export function stampRecord(seq: number, entry: QueueEntry): QueueRecord {
  // Stamped last as well, so a body carrying its own v/seq cannot override them; key order stays v, seq, ….
  const body = JSON.stringify(Object.assign({ v: WIRE_VERSION, seq }, entry.body, { v: WIRE_VERSION, seq }));
  return { seq, kind: entry.kind, body };
}

export function encodePayload(record: QueueRecord): Buffer {
  return Buffer.from(`{"kind":${JSON.stringify(record.kind)},"message":${record.body}}`);
}

const KIND_PREFIX = '{"kind":"';
const MESSAGE_KEY = '","message":';
const SEQ_PREFIX = `{"v":${WIRE_VERSION},"seq":`;

export function decodePayload(payload: Buffer): QueueRecord {
  const text = payload.toString('utf8');
  if (text.startsWith(KIND_PREFIX)) {
    const kindEnd = text.indexOf(MESSAGE_KEY, KIND_PREFIX.length);
    const bodyStart = kindEnd + MESSAGE_KEY.length;
    if (kindEnd > 0 && text.startsWith(SEQ_PREFIX, bodyStart)) {
      let at = bodyStart + SEQ_PREFIX.length;
      let seq = 0;
      let digits = 0;
      for (let c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) {
        seq = seq * 10 + (c - 48);
        digits++;
      }
      const kind = text.slice(KIND_PREFIX.length, kindEnd);
      if (digits > 0 && text.charCodeAt(at) === 44 /* , */ && kind.indexOf('\\') < 0) {
        return { seq, kind, body: text.slice(bodyStart, text.length - 1) };
      }
    }
  }
  const parsed = JSON.parse(text) as { kind?: unknown; message?: { seq?: unknown } };
  const seq = parsed.message?.seq;
  if (typeof parsed.kind !== 'string' || typeof seq !== 'number') throw new Error('queue record without kind or seq');
  return { seq, kind: parsed.kind, body: JSON.stringify(parsed.message) };
}

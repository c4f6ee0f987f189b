import { isUplinkKind, type UplinkKind } from '@fieldtrace/protocol';
import type { QueueRecord } from '../queue/index.js';

/** One MQTT publish and the seqs its PUBACK acknowledges. */
export interface OutgoingMessage {
  kind: UplinkKind;
  payload: string;
  seqs: number[];
}

/**
 * Turns queued records (in seq order, uplink kinds only) into publishes. This is the seam for batching: a framer
 * that packs consecutive `fix` records into one `fixes` message (`{ v: 1, fixes: GpsFix[] }`, at most
 * MAX_FIXES_PER_MESSAGE) returns one message carrying all their seqs; the ack cursor logic is unchanged.
 */
export type Framer = (records: readonly QueueRecord[]) => OutgoingMessage[];

export const singleRecordFramer: Framer = (records) =>
  records.map((r) => ({ kind: r.kind as UplinkKind, payload: r.body, seqs: [r.seq] }));

export function isSendable(record: QueueRecord): boolean {
  return isUplinkKind(record.kind);
}

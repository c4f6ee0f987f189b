import type { RecoveredLog } from './recovery.js';

export interface QueueCounters {
  appended: number;
  appendBatches: number;
  appendFailures: number;
  fsyncs: number;
  /** Unacknowledged records deleted because the queue reached maxBytes (data loss, by design, oldest first). */
  evictedRecords: number;
  evictedSegments: number;
  truncatedBytes: number;
  corruptRegions: number;
  corruptBytes: number;
  ackWrites: number;
}

export interface QueueStats extends QueueCounters {
  nextSeq: number;
  storedNextSeq: number;
  ackedSeq: number;
  persistedAckSeq: number;
  bytes: number;
  segments: number;
  /** Stored records not yet acknowledged by the broker. */
  backlog: number;
}

export function createQueueStats(recovered: RecoveredLog): QueueCounters {
  return {
    appended: 0,
    appendBatches: 0,
    appendFailures: 0,
    fsyncs: 0,
    evictedRecords: 0,
    evictedSegments: 0,
    truncatedBytes: recovered.truncatedBytes,
    corruptRegions: recovered.corruptRegions,
    corruptBytes: recovered.corruptBytes,
    ackWrites: 0,
  };
}

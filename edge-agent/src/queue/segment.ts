/** One segment file of the log. `bytes` is its length as far as this process wrote or recovered it. */
export interface Segment {
  firstSeq: number;
  path: string;
  bytes: number;
}

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface ReadResult {
  records: import('./queue-record.js').QueueRecord[];
  /**
   * Where the next read continues. Seqs in `[from, resumeAt)` that are not in `records` no longer exist (evicted,
   * or lost to corruption that was counted and logged) — the uplink treats them as done.
   */
  resumeAt: number;
}

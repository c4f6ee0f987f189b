import type { QueueRecord } from './queue-record.js';
import type { ReadResult } from './segment.js';

/** The most recently stored records, contiguous by seq, so a connected uplink never reads what it just wrote. */
export class TailCache {
  private records: QueueRecord[] = [];
  private firstSeq: number;
  private readonly capacity: number;

  constructor(capacity: number, nextSeq: number) {
    this.capacity = capacity;
    this.firstSeq = nextSeq;
  }

  push(batch: readonly QueueRecord[]): void {
    if (this.capacity <= 0) return;
    for (const r of batch) {
      // A gap (seqs consumed by a failed write) breaks contiguity: restart the cache at this record.
      if (r.seq !== this.firstSeq + this.records.length) {
        this.records = [];
        this.firstSeq = r.seq;
      }
      this.records.push(r);
    }
    if (this.records.length > 2 * this.capacity) {
      const drop = this.records.length - this.capacity;
      this.records = this.records.slice(drop);
      this.firstSeq += drop;
    }
  }

  /** The answer when `from` lies in the cache, else null (the caller reads the segments). */
  read(from: number, max: number, until: number): ReadResult | null {
    if (from < this.firstSeq || this.records.length === 0) return null;
    const start = from - this.firstSeq;
    const stop = Math.min(this.records.length, start + max, until - this.firstSeq);
    const records = start < stop ? this.records.slice(start, stop) : [];
    const resumeAt = records.length > 0 ? records[records.length - 1]!.seq + 1 : Math.max(from, Math.min(until, this.firstSeq + this.records.length));
    return { records, resumeAt };
  }
}

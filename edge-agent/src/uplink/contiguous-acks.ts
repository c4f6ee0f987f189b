/**
 * Tracks which seqs are done (acknowledged by the broker, or known to be gone) and the highest seq through which
 * ALL are done. Only that prefix is persisted as the ack cursor, so a crash can resend acknowledged records
 * (deduplicated by seq downstream) but can never skip an unacknowledged one.
 */
export class ContiguousAcks {
  private cursor: number;
  private readonly above = new Set<number>();

  constructor(through: number) {
    this.cursor = through;
  }

  /** Every seq <= this is done. */
  get through(): number {
    return this.cursor;
  }

  /** Done seqs beyond the contiguous prefix (e.g. live records acknowledged while the backlog still drains). */
  get pendingAbove(): number {
    return this.above.size;
  }

  done(seq: number): void {
    if (seq <= this.cursor) return;
    if (seq === this.cursor + 1) {
      this.cursor = seq;
      this.advance();
    } else {
      this.above.add(seq);
    }
  }

  /** Marks `[from, to)` done; cheap for the common case of a range at the front (evicted backlog). */
  doneRange(from: number, to: number): void {
    if (to <= from) return;
    if (from <= this.cursor + 1) {
      for (let s = this.cursor + 1; s < to; s++) this.above.delete(s);
      if (to - 1 > this.cursor) this.cursor = to - 1;
      this.advance();
      return;
    }
    for (let s = from; s < to; s++) this.above.add(s);
  }

  private advance(): void {
    while (this.above.delete(this.cursor + 1)) this.cursor++;
  }
}

import type { Clock } from '@fieldtrace/service-kit';

/**
 * The live fix batch the uplink is holding back so later fixes can join it (BATCH_MAX_AGE_MS): which seq it starts
 * at, since when, and the timer that sends it once it is old enough. A batch is held at most `maxAgeMs` from when
 * the uplink first saw its oldest fix; 0 disables holding.
 */
export class FixHold {
  private readonly maxAgeMs: number;
  private readonly clock: Clock;
  private seq = -1;
  private since = 0;
  /** The queue's storedNextSeq when the hold was last confirmed: nothing new since means nothing to re-check. */
  private checkedAt = -1;
  private timer: NodeJS.Timeout | null = null;

  constructor(maxAgeMs: number, clock: Clock) {
    this.maxAgeMs = maxAgeMs;
    this.clock = clock;
  }

  /** Whether to keep holding the open batch that starts at `seq`; `storedNext` is the queue's stored end now. */
  keep(seq: number, storedNext: number): boolean {
    if (this.maxAgeMs <= 0) return false;
    const now = this.clock.now();
    if (seq !== this.seq) {
      this.release();
      this.seq = seq;
      this.since = now;
    }
    if (now - this.since >= this.maxAgeMs) {
      this.release();
      return false;
    }
    this.checkedAt = storedNext;
    return true;
  }

  /** The held batch went out (or there is none). */
  release(): void {
    this.seq = -1;
    this.checkedAt = -1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Where live sending should stop: at the held batch while nothing was stored since it was confirmed and it is
   * not yet due, so a live-first drain turns to the backlog instead of re-reading the held fixes.
   */
  liveUntil(storedNext: number): number {
    if (this.seq < 0 || storedNext !== this.checkedAt || this.clock.now() - this.since >= this.maxAgeMs) return storedNext;
    return this.seq;
  }

  /** Schedules `wake` for when the held batch is due (once). */
  arm(wake: () => void): void {
    if (this.seq < 0 || this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        wake();
      },
      Math.max(0, this.since + this.maxAgeMs - this.clock.now()),
    );
  }

  close(): void {
    this.release();
  }
}

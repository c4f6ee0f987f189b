import type { Clock } from '@fieldtrace/service-kit';

/** Records per second with a one-second burst; rate 0 means unlimited. Refilled from the injected clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly rate: number;
  private readonly clock: Clock;

  constructor(ratePerS: number, clock: Clock) {
    this.rate = ratePerS;
    this.clock = clock;
    this.tokens = Math.max(1, ratePerS);
    this.last = clock.now();
  }

  /** Most tokens the bucket holds (the one-second burst); unlimited when the rate is 0. */
  get capacity(): number {
    return this.rate <= 0 ? Number.POSITIVE_INFINITY : Math.max(1, this.rate);
  }

  available(): number {
    if (this.rate <= 0) return Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    this.tokens = Math.min(Math.max(1, this.rate), this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    return Math.floor(this.tokens);
  }

  take(n: number): void {
    if (this.rate > 0) this.tokens -= n;
  }

  /** Milliseconds until `tokens` (default one) are available. */
  waitMs(tokens = 1): number {
    return this.rate <= 0 ? 0 : Math.max(1, Math.ceil(((tokens - this.tokens) * 1000) / this.rate));
  }
}

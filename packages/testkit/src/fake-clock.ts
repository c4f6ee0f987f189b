import type { Clock } from '@fieldtrace/service-kit';

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  private t: number;
  constructor(start = Date.UTC(2026, 10, 21, 12, 0, 0)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
}

import { isDeepStrictEqual } from 'node:util';
import { AdaptiveFilter, type AdaptiveFilterOptions, type FilterFix, type FilterReason } from '../uplink/index.js';

export type ReportingCounts = Record<FilterReason | 'dropped' | 'unfiltered', number>;

/**
 * The adaptive filter with thresholds that can change while fixes flow (a remote profile). The new thresholds are
 * measured from the last fix actually sent, so a change neither forces an extra fix nor resets the heartbeat clock.
 */
export class ReportingFilter {
  private options: AdaptiveFilterOptions | null;
  private inner: AdaptiveFilter | null;
  private lastSent: FilterFix | null = null;
  readonly counts: ReportingCounts = { first: 0, distance: 0, heading: 0, interval: 0, heartbeat: 0, quality: 0, dropped: 0, unfiltered: 0 };

  constructor(options: AdaptiveFilterOptions | null) {
    this.options = options;
    this.inner = options ? new AdaptiveFilter(options) : null;
  }

  /** True when the fix should be stored and sent. */
  accept(fix: FilterFix): boolean {
    if (!this.inner) {
      this.counts.unfiltered++;
      this.lastSent = fix;
      return true;
    }
    const reason = this.inner.accept(fix);
    this.counts[reason ?? 'dropped']++;
    if (reason !== null) this.lastSent = fix;
    return reason !== null;
  }

  /** Returns whether anything changed; null turns filtering off. */
  reconfigure(options: AdaptiveFilterOptions | null): boolean {
    if (isDeepStrictEqual(options, this.options)) return false;
    this.options = options;
    this.inner = options ? new AdaptiveFilter(options) : null;
    // Seeds the reference fix; AdaptiveFilter counts it as its 'first', which our own counts do not see.
    if (this.inner && this.lastSent) this.inner.accept(this.lastSent);
    return true;
  }

  get current(): AdaptiveFilterOptions | null {
    return this.options;
  }
}

import type { ContiguousAcks } from './contiguous-acks.js';

export type DrainOrder = 'live-first' | 'backlog-first';

export interface DrainPick {
  from: number;
  until: number;
  max: number;
  backlog: boolean;
}

/**
 * Which seqs to send next. "Backlog" is whatever was stored while no session was up (from the ack cursor at start,
 * plus what accumulated during each outage); "live" is what is stored while connected. Backlog ranges drain oldest
 * first; `live-first` keeps the dispatcher's map current while a long outage drains behind it.
 */
export class DrainPlan {
  private readonly backlog: { next: number; end: number }[] = [];
  private liveNext = -1;
  private readonly order: DrainOrder;

  constructor(order: DrainOrder) {
    this.order = order;
  }

  /** A session (re)started with `storedNext` the seq after the last stored record. */
  onSession(storedNext: number, acks: ContiguousAcks): void {
    const from = this.liveNext < 0 ? acks.through + 1 : this.liveNext;
    if (from < storedNext) this.backlog.push({ next: from, end: storedNext });
    this.liveNext = Math.max(storedNext, from);
  }

  get backlogRemaining(): number {
    return this.backlog.reduce((n, r) => n + Math.max(0, r.end - r.next), 0);
  }

  /** `backlogTokens` limits backlog records; returns null when nothing may be sent now. */
  next(room: number, storedNext: number, backlogTokens: number): DrainPick | null {
    while (this.backlog.length > 0 && this.backlog[0]!.next >= this.backlog[0]!.end) this.backlog.shift();
    const range = this.backlog[0];
    const live: DrainPick | null =
      this.liveNext >= 0 && this.liveNext < storedNext ? { from: this.liveNext, until: storedNext, max: room, backlog: false } : null;
    const back: DrainPick | null =
      range && backlogTokens > 0 ? { from: range.next, until: range.end, max: Math.min(room, backlogTokens), backlog: true } : null;
    if (this.order === 'live-first') return live ?? back;
    // backlog-first: live records wait until the whole backlog is out, so the broker sees strictly increasing seqs.
    return range ? back : live;
  }

  advance(pick: DrainPick, resumeAt: number): void {
    if (!pick.backlog) {
      this.liveNext = Math.max(this.liveNext, resumeAt);
      return;
    }
    const range = this.backlog[0];
    if (range) range.next = Math.max(range.next, resumeAt);
  }

  /** True when the backlog is waiting only for rate-limit tokens. */
  backlogWaiting(): boolean {
    return this.backlog.some((r) => r.next < r.end);
  }
}

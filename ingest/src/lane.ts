import type { Logger } from 'pino';

export type Done = (err?: Error | null) => void;

export interface LaneOptions {
  /** Write when this many items wait... */
  maxRows: number;
  /** ...or when the oldest waiting item is this old (ms). */
  flushMs: number;
  /** Batches being written at once; PGlite has one connection, PostgreSQL a pool. */
  maxInFlight: number;
  /** Called per committed batch with the wait of its oldest item (ms, arrival to commit) and its size. */
  observe?: (oldestWaitMs: number, rows: number) => void;
}

/**
 * Group commit for one kind of row. Items wait in memory only until their batch commits; each item's `done`
 * (which sends the device its PUBACK) is called after the commit, or with the error if the store refused it,
 * so an acknowledged message is always a stored message.
 *
 * While a batch is being written the next one fills up; when the write returns, whatever waited is written at
 * once. Under load batches grow by themselves and the store sees few large writes instead of many small ones.
 */
export class Lane<T> {
  private items: T[] = [];
  private dones: Done[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** performance.now() when the oldest waiting item arrived. */
  private oldestAt = 0;
  private readonly write: (items: T[]) => Promise<void>;
  private readonly opts: LaneOptions;
  private readonly logger: Logger;

  constructor(write: (items: T[]) => Promise<void>, opts: LaneOptions, logger: Logger) {
    this.write = write;
    this.opts = opts;
    this.logger = logger;
  }

  get pending(): number {
    return this.items.length;
  }

  push(item: T, done: Done): void {
    if (this.items.length === 0) this.oldestAt = performance.now();
    this.items.push(item);
    this.dones.push(done);
    if (this.items.length >= this.opts.maxRows) this.kick();
    else if (this.timer === null) this.timer = setTimeout(this.kick, this.opts.flushMs);
  }

  /** Resolves when nothing waits and nothing is being written. */
  drain(): Promise<void> {
    if (this.items.length > 0) this.kick();
    if (this.items.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private readonly kick = (): void => {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.items.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    const take = Math.min(this.items.length, this.opts.maxRows);
    const items = this.items.length === take ? this.items : this.items.slice(0, take);
    const dones = this.dones.length === take ? this.dones : this.dones.slice(0, take);
    if (items === this.items) {
      this.items = [];
      this.dones = [];
    } else {
      this.items = this.items.slice(take);
      this.dones = this.dones.slice(take);
    }
    const oldestAt = this.oldestAt;
    // What stays behind arrived after the items taken; its age counts from now (a slight undercount under load).
    this.oldestAt = performance.now();
    this.inFlight++;
    this.write(items).then(
      () => {
        this.opts.observe?.(performance.now() - oldestAt, items.length);
        for (let i = 0; i < dones.length; i++) dones[i]!();
      },
      (err: Error) => {
        this.logger.error({ err, rows: items.length }, 'store write failed; messages not acknowledged');
        for (let i = 0; i < dones.length; i++) dones[i]!(err);
      },
    ).finally(() => {
      this.inFlight--;
      if (this.items.length > 0) this.kick();
      else if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    });
  };
}

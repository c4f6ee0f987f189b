import type { Logger } from 'pino';
import type { Bus } from '@fieldtrace/service-kit';
import { busTopic, type GpsFix, type Position, type RejectReason, type UplinkKind, type UplinkMessages } from '@fieldtrace/protocol';
import { emptyMessageBatch, emptyPositionBatch, type Db } from '@fieldtrace/store';
import { Lane, type Done, type LaneOptions } from './lane.js';
import type { IngestMetrics } from './metrics.js';
import type { LastSeen } from './last-seen.js';

/** Uplink kinds stored as JSON documents; fixes (single or batched) go to the positions table. */
export type MessageKind = Exclude<UplinkKind, 'fix' | 'fixes'>;

interface FixItem {
  tenantId: string;
  deviceId: string;
  fix: GpsFix;
  receivedAt: number;
}

interface MessageItem {
  tenantId: string;
  deviceId: string;
  kind: MessageKind;
  message: UplinkMessages[MessageKind];
  receivedAt: number;
}

export interface DeadLetter {
  tenantId: string | null;
  deviceId: string | null;
  topic: string;
  reason: RejectReason;
  detail: string;
  payload: Buffer;
}

const INSERT_DEAD_LETTERS = /* sql */ `
INSERT INTO dead_letters (tenant_id, device_id, topic, reason, detail, payload)
SELECT t, d, tp, r, de, decode(p, 'base64')
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(t, d, tp, r, de, p)`;

/**
 * The durable half of ingest: three lanes (fixes, other uplink kinds, dead letters) that group-commit to the
 * store. Only after a fix is committed, and only if this commit stored it (not a replay), is it published on
 * the bus as a Position for the processors and the live feed.
 */
export class StoreWriter {
  private readonly fixes: Lane<FixItem>;
  private readonly messages: Lane<MessageItem>;
  private readonly deadLetters: Lane<DeadLetter>;
  private readonly db: Db;
  private readonly bus: Bus;
  private readonly metrics: IngestMetrics;
  private readonly lastSeen: LastSeen;
  /**
   * Batches of one lane are written concurrently on PostgreSQL (a pool) and may commit out of order; each batch
   * publishes only after the batch before it has, so a device's positions reach the bus in the order it sent them
   * and the processors do not have to correct for a reordering ingest made.
   */
  private fixesPublished: Promise<void> = Promise.resolve();
  private messagesPublished: Promise<void> = Promise.resolve();

  constructor(db: Db, bus: Bus, metrics: IngestMetrics, lastSeen: LastSeen, logger: Logger, opts: LaneOptions) {
    this.db = db;
    this.bus = bus;
    this.metrics = metrics;
    this.lastSeen = lastSeen;
    this.fixes = new Lane((items) => this.writeFixes(items), opts, logger);
    this.messages = new Lane((items) => this.writeMessages(items), opts, logger);
    this.deadLetters = new Lane((items) => this.writeDeadLetters(items), { ...opts, maxInFlight: 1 }, logger);
  }

  addFix(tenantId: string, deviceId: string, fix: GpsFix, receivedAt: number, done: Done): void {
    this.fixes.push({ tenantId, deviceId, fix, receivedAt }, done);
  }

  addMessage(tenantId: string, deviceId: string, kind: MessageKind, message: UplinkMessages[MessageKind], receivedAt: number, done: Done): void {
    this.messages.push({ tenantId, deviceId, kind, message, receivedAt }, done);
  }

  addDeadLetter(letter: DeadLetter, done: Done): void {
    this.metrics.countRejected(letter.reason);
    this.deadLetters.push(letter, done);
  }

  get pending(): number {
    return this.fixes.pending + this.messages.pending + this.deadLetters.pending;
  }

  async drain(): Promise<void> {
    await Promise.all([this.fixes.drain(), this.messages.drain(), this.deadLetters.drain()]);
  }

  private async writeFixes(items: FixItem[]): Promise<void> {
    const b = emptyPositionBatch();
    for (let i = 0; i < items.length; i++) {
      const { tenantId, deviceId, fix, receivedAt } = items[i]!;
      b.tenantId.push(tenantId);
      b.deviceId.push(deviceId);
      b.seq.push(fix.seq);
      b.ts.push(fix.ts);
      b.receivedAt.push(receivedAt);
      b.lat.push(fix.lat);
      b.lon.push(fix.lon);
      b.alt.push(fix.alt ?? null);
      b.accuracy.push(fix.accuracy ?? null);
      b.speed.push(fix.speed ?? null);
      b.heading.push(fix.heading ?? null);
      b.fix.push(fix.fix);
      b.sats.push(fix.sats ?? null);
      b.hdop.push(fix.hdop ?? null);
    }
    const turn = takeTurn(this.fixesPublished);
    this.fixesPublished = turn.done;
    try {
      const stored = await this.db.insertPositions(b);
      await turn.mine;
      this.publishFixes(items, stored);
    } finally {
      turn.finish(); // a refused batch does not hold up the ones after it
    }
  }

  private publishFixes(items: FixItem[], stored: Uint8Array): void {
    this.metrics.storeBatches++;
    this.metrics.storeRows += items.length;
    for (let i = 0; i < items.length; i++) {
      if (stored[i] !== 1) {
        this.metrics.countDuplicate('fix');
        continue;
      }
      this.metrics.countAccepted('fix');
      const { tenantId, deviceId, fix, receivedAt } = items[i]!;
      this.lastSeen.mark(tenantId, deviceId, receivedAt);
      const position: Position = {
        v: 1, tenantId, deviceId, seq: fix.seq, ts: fix.ts, receivedAt, lat: fix.lat, lon: fix.lon,
        alt: fix.alt, accuracy: fix.accuracy, speed: fix.speed, heading: fix.heading, fix: fix.fix,
      };
      this.bus.publish(busTopic(tenantId, 'position'), position);
    }
  }

  private async writeMessages(items: MessageItem[]): Promise<void> {
    const b = emptyMessageBatch();
    for (const it of items) {
      b.tenantId.push(it.tenantId);
      b.deviceId.push(it.deviceId);
      b.kind.push(it.kind);
      b.seq.push(it.message.seq);
      b.ts.push(it.message.ts);
      b.receivedAt.push(it.receivedAt);
      b.body.push(JSON.stringify(it.message));
    }
    const turn = takeTurn(this.messagesPublished);
    this.messagesPublished = turn.done;
    try {
      const stored = await this.db.insertDeviceMessages(b);
      await turn.mine;
      this.publishMessages(items, stored);
    } finally {
      turn.finish();
    }
  }

  private publishMessages(items: MessageItem[], stored: Uint8Array): void {
    this.metrics.storeBatches++;
    this.metrics.storeRows += items.length;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (stored[i] !== 1) {
        this.metrics.countDuplicate(it.kind);
        continue;
      }
      this.metrics.countAccepted(it.kind);
      this.lastSeen.mark(it.tenantId, it.deviceId, it.receivedAt);
      this.bus.publish(busTopic(it.tenantId, it.kind), { tenantId: it.tenantId, deviceId: it.deviceId, ...it.message });
    }
  }

  private async writeDeadLetters(items: DeadLetter[]): Promise<void> {
    await this.db.query(INSERT_DEAD_LETTERS, [
      items.map((l) => l.tenantId),
      items.map((l) => l.deviceId),
      items.map((l) => l.topic),
      items.map((l) => l.reason),
      items.map((l) => l.detail.slice(0, 2000)),
      items.map((l) => l.payload.toString('base64')),
    ]);
  }
}

/**
 * A place in a publication queue: `mine` resolves when every earlier batch has published (or failed), `finish()`
 * lets the next one go, `done` is what the next batch waits on.
 */
function takeTurn(previous: Promise<void>): { mine: Promise<void>; done: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  // The previous turn always finishes (finally), so waiting on it cannot hang.
  return { mine: previous, done: previous.then(() => done), finish };
}

import { createServer } from 'node:net';
import type { DeliveredFix } from './switchable-broker.js';

/**
 * What a test broker saw of an agent's uplink: distinct fix seqs with the event time of their first copy,
 * duplicates, status messages, and seqs that did not rise within one delivery session (a connection, or an epoch).
 */
export class DeliveryLog {
  readonly delivered = new Map<number, DeliveredFix>();
  readonly orderViolations: string[] = [];
  readonly statusMessages: unknown[] = [];
  duplicates = 0;
  private readonly lastSeq = new Map<unknown, number>();

  /** Records one publish (`fix`, `fixes` or `status`; other topics are ignored) delivered within `session`. */
  record(topic: string, payload: Buffer, session: unknown): void {
    if (topic.endsWith('/up/status')) {
      this.statusMessages.push(JSON.parse(payload.toString()));
      return;
    }
    let fixes: DeliveredFix[];
    if (topic.endsWith('/up/fix')) fixes = [JSON.parse(payload.toString()) as DeliveredFix];
    else if (topic.endsWith('/up/fixes')) fixes = (JSON.parse(payload.toString()) as { fixes: DeliveredFix[] }).fixes;
    else return;
    for (const fix of fixes) {
      const previous = this.lastSeq.get(session);
      if (previous !== undefined && fix.seq <= previous) this.orderViolations.push(`${String(session)}: ${previous} then ${fix.seq}`);
      this.lastSeq.set(session, fix.seq);
      if (this.delivered.has(fix.seq)) this.duplicates++;
      else this.delivered.set(fix.seq, { seq: fix.seq, ts: fix.ts });
    }
  }
}

/** A loopback port free right now, so a broker can be switched off and on again on the same one. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

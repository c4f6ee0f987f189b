import type { UplinkKind, UplinkMessages } from '@fieldtrace/protocol';

// One record per envelope: the simulator never sends the batched `fixes` kind.
type RecordKind = Exclude<UplinkKind, 'fixes'>;
export type UplinkEnvelope = { [K in RecordKind]: { kind: K; message: UplinkMessages[K] } }[RecordKind];

/**
 * A device's store-and-forward buffer: messages wait here, in birth order, while the link is down or the
 * publisher has too many unacknowledged messages. Bounded like a real agent's RAM: when full, the oldest message is
 * dropped (the newest position matters most to a dispatcher) and counted.
 */
export class Outbox {
  readonly capacity: number;
  private ring: (UplinkEnvelope | undefined)[];
  private head = 0;
  private count = 0;
  /** Messages discarded because the buffer was full. */
  dropped = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`outbox capacity must be >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array<UplinkEnvelope | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(envelope: UplinkEnvelope): void {
    if (this.count === this.capacity) {
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.dropped++;
    }
    this.ring[(this.head + this.count) % this.capacity] = envelope;
    this.count++;
  }

  shift(): UplinkEnvelope | undefined {
    if (this.count === 0) return undefined;
    const envelope = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return envelope;
  }

  /** Removes up to `max` messages, oldest first. */
  take(max: number): UplinkEnvelope[] {
    const out: UplinkEnvelope[] = [];
    while (out.length < max && this.count > 0) out.push(this.shift()!);
    return out;
  }
}

import { Registry, Counter, Gauge, Histogram } from 'prom-client';
import type { RejectReason, UplinkKind } from '@fieldtrace/protocol';

/**
 * Counters are plain numbers bumped on the hot path; prom-client reads them only when /metrics is scraped,
 * so counting costs an increment, not a label lookup per message.
 */
export class IngestMetrics {
  readonly accepted: Record<string, number> = Object.create(null);
  readonly duplicate: Record<string, number> = Object.create(null);
  readonly rejected: Record<string, number> = Object.create(null);
  storeBatches = 0;
  storeRows = 0;
  storeErrors = 0;
  connectedDevices = 0;
  readonly registry = new Registry();
  /** Arrival of a batch's oldest message to its commit: the longest a device waited for its PUBACK in that batch. */
  readonly commitLatency: Histogram;
  readonly batchRows: Histogram;

  constructor() {
    const self = this;
    const byLabel = (name: string, help: string, label: string, source: Record<string, number>) =>
      new Counter({
        name, help, labelNames: [label], registers: [this.registry],
        collect() {
          this.reset();
          for (const [k, v] of Object.entries(source)) this.inc({ [label]: k }, v);
        },
      });
    byLabel('ft_ingest_accepted_total', 'Uplink messages validated and stored, by kind', 'kind', this.accepted);
    byLabel('ft_ingest_duplicate_total', 'Uplink messages already stored (same device, seq, time), by kind', 'kind', this.duplicate);
    byLabel('ft_ingest_rejected_total', 'Uplink messages refused and dead-lettered, by reason', 'reason', this.rejected);
    const plain = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(read()); } });
    plain('ft_ingest_store_batches_total', 'Batches committed to the store', () => self.storeBatches);
    plain('ft_ingest_store_rows_total', 'Rows offered to the store in committed batches', () => self.storeRows);
    plain('ft_ingest_store_errors_total', 'Batches the store refused (their messages were not acknowledged)', () => self.storeErrors);
    this.commitLatency = new Histogram({
      name: 'ft_ingest_commit_latency_seconds', help: 'Per batch: arrival of its oldest message to commit',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
    });
    this.batchRows = new Histogram({
      name: 'ft_ingest_batch_rows', help: 'Rows per committed batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000], registers: [this.registry],
    });
    new Gauge({ name: 'ft_ingest_connected_devices', help: 'Devices connected to the embedded broker', registers: [this.registry],
      collect() { this.set(self.connectedDevices); } });
  }

  observeBatch = (oldestWaitMs: number, rows: number): void => {
    this.commitLatency.observe(oldestWaitMs / 1000);
    this.batchRows.observe(rows);
  };

  countAccepted(kind: UplinkKind): void {
    this.accepted[kind] = (this.accepted[kind] ?? 0) + 1;
  }
  countDuplicate(kind: UplinkKind): void {
    this.duplicate[kind] = (this.duplicate[kind] ?? 0) + 1;
  }
  countRejected(reason: RejectReason): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }
  total(source: Record<string, number>): number {
    let n = 0;
    for (const k in source) n += source[k]!;
    return n;
  }
}

import type { Logger } from 'pino';
import type { Db } from '@fieldtrace/store';

const UPDATE_LAST_SEEN = /* sql */ `
UPDATE devices d SET last_seen_at = to_timestamp(u.t / 1000.0)
FROM unnest($1::text[], $2::text[], $3::float8[]) AS u(tn, dv, t)
WHERE d.tenant_id = u.tn AND d.id = u.dv AND (d.last_seen_at IS NULL OR d.last_seen_at < to_timestamp(u.t / 1000.0))`;

/**
 * Keeps `devices.last_seen_at` current without a write per message: arrivals are remembered in memory and written
 * as one UPDATE per period. A crash loses at most one period of "last seen", never telemetry.
 */
export class LastSeen {
  private seen = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly db: Db;
  private readonly logger: Logger;
  private readonly periodMs: number;

  constructor(db: Db, logger: Logger, periodMs = 10_000) {
    this.db = db;
    this.logger = logger;
    this.periodMs = periodMs;
  }

  mark(tenantId: string, deviceId: string, at: number): void {
    let devices = this.seen.get(tenantId);
    if (!devices) this.seen.set(tenantId, (devices = new Map()));
    devices.set(deviceId, at);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.periodMs);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.seen.size === 0) return;
    const batch = this.seen;
    this.seen = new Map();
    const tenants: string[] = [];
    const devices: string[] = [];
    const times: number[] = [];
    for (const [tenantId, byDevice] of batch) {
      for (const [deviceId, at] of byDevice) {
        tenants.push(tenantId);
        devices.push(deviceId);
        times.push(at);
      }
    }
    try {
      await this.db.query(UPDATE_LAST_SEEN, [tenants, devices, times]);
    } catch (err) {
      this.logger.warn({ err, devices: devices.length }, 'last-seen update failed; will retry with newer times');
      for (let i = 0; i < tenants.length; i++) if (!this.seen.get(tenants[i]!)?.has(devices[i]!)) this.mark(tenants[i]!, devices[i]!, times[i]!);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

import { busTopic, checkAlertRuleSet, type Alert, type AlertChange, type AlertRule } from '@fieldtrace/protocol';
import type { Bus, Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';

const ms = (n: number) => `to_timestamp($${n}::bigint / 1000.0)`;

/** The alert row follows the alert through its lifecycle; a change older than the stored one never overwrites it. */
const UPSERT_ALERT = /* sql */ `
INSERT INTO alerts (tenant_id, id, rule_id, kind, severity, status, device_id, vehicle_id, job_id,
                    opened_at, updated_at, cleared_at, acknowledged_at, acknowledged_by, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${ms(10)}, ${ms(11)}, ${ms(12)}, ${ms(13)}, $14, $15::jsonb)
ON CONFLICT (tenant_id, id) DO UPDATE SET
  severity = EXCLUDED.severity, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at,
  cleared_at = EXCLUDED.cleared_at,
  acknowledged_at = COALESCE(alerts.acknowledged_at, EXCLUDED.acknowledged_at),
  acknowledged_by = COALESCE(alerts.acknowledged_by, EXCLUDED.acknowledged_by),
  data = EXCLUDED.data
WHERE alerts.updated_at <= EXCLUDED.updated_at`;

export interface AlertWriterStats {
  stored: number;
  errors: number;
  pending: number;
}

export interface AlertWriter {
  add(changes: readonly AlertChange[]): void;
  flush(): Promise<void>;
  stats(): AlertWriterStats;
}

/**
 * Stores alert changes in order and announces each on the bus once stored (the live feed and notifiers read them
 * there). A failed write is retried until it succeeds: alerts are few, and an alert lost is a missed page.
 */
export function createAlertWriter(db: Db, bus: Bus, logger: Logger): AlertWriter {
  const stats: AlertWriterStats = { stored: 0, errors: 0, pending: 0 };
  let chain: Promise<void> = Promise.resolve();

  async function store(c: AlertChange): Promise<void> {
    const a = c.alert;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.query(UPSERT_ALERT, [
          a.tenantId, a.id, a.ruleId, a.kind, a.severity, a.status, a.subject.deviceId ?? null, a.subject.vehicleId ?? null,
          a.subject.jobId ?? null, a.openedAt, a.updatedAt, a.clearedAt ?? null, a.acknowledgedAt ?? null, a.acknowledgedBy ?? null,
          JSON.stringify(a),
        ]);
        break;
      } catch (err) {
        stats.errors++;
        logger.warn({ err, alertId: a.id, attempt }, 'alert write failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
      }
    }
    stats.stored++;
    bus.publish(busTopic(a.tenantId, 'alert'), c);
  }

  return {
    add(changes) {
      for (const c of changes) {
        stats.pending++;
        chain = chain.then(() => store(c)).finally(() => stats.pending--);
      }
    },
    flush: () => chain,
    stats: () => ({ ...stats }),
  };
}

/** Each tenant's rule document; one that no longer passes the schema is logged and treated as empty. */
export async function loadAlertRules(db: Db, logger: Logger, tenantId?: string): Promise<Map<string, AlertRule[]>> {
  const rows = await db.query<{ tenant_id: string; rules: unknown }>(
    `SELECT tenant_id, rules FROM alert_rules ${tenantId === undefined ? '' : 'WHERE tenant_id = $1'}`,
    tenantId === undefined ? [] : [tenantId],
  );
  const out = new Map<string, AlertRule[]>();
  for (const r of rows) {
    const check = checkAlertRuleSet(r.rules);
    if (check.ok) out.set(r.tenant_id, check.rules);
    else logger.error({ tenantId: r.tenant_id, errors: check.errors }, 'stored alert rules invalid; tenant has no rules');
  }
  return out;
}

/** Alerts still open or acknowledged, to carry their lifecycle across a restart. */
export async function loadActiveAlerts(db: Db): Promise<Map<string, Alert[]>> {
  const rows = await db.query<{ tenant_id: string; data: Alert }>(`SELECT tenant_id, data FROM alerts WHERE status <> 'cleared'`);
  const out = new Map<string, Alert[]>();
  for (const r of rows) {
    let list = out.get(r.tenant_id);
    if (!list) out.set(r.tenant_id, (list = []));
    list.push(r.data);
  }
  return out;
}

export async function loadAlert(db: Db, tenantId: string, id: string): Promise<Alert | undefined> {
  const [row] = await db.query<{ data: Alert; acknowledged_at: Date | null; acknowledged_by: string | null }>(
    'SELECT data, acknowledged_at, acknowledged_by FROM alerts WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  if (!row) return undefined;
  // The API acknowledges by updating the columns; the JSON may predate that.
  const a = row.data;
  if (row.acknowledged_at !== null) {
    a.acknowledgedAt = row.acknowledged_at.getTime();
    if (row.acknowledged_by !== null) a.acknowledgedBy = row.acknowledged_by;
  }
  return a;
}

/** Each device's last sign of life as ingest recorded it (devices never heard from are not offline, just new). */
export async function loadLastSeen(db: Db): Promise<Array<{ tenantId: string; deviceId: string; vehicleId: string | null; lastSeen: number }>> {
  const rows = await db.query<{ tenant_id: string; id: string; vehicle_id: string | null; last_seen_at: Date }>(
    'SELECT tenant_id, id, vehicle_id, last_seen_at FROM devices WHERE last_seen_at IS NOT NULL',
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, deviceId: r.id, vehicleId: r.vehicle_id, lastSeen: r.last_seen_at.getTime() }));
}

import type { AlertChange, EntityChanged, JobStatusChange, PlanTrigger } from '@fieldtrace/protocol';
import type { Planner } from './planner.js';

/**
 * What in the platform's traffic calls for a new plan: a job added or cancelled through the API (the planner's and the
 * telemetry's own job changes do not), an ETA slipping past a job's window or a vehicle going silent (their alerts
 * being raised), a vehicle's shift, crew or skills changing, and a dispatcher's request (`POST /v1/plans`).
 */
export interface ReplanTriggers {
  onJobChange(c: JobStatusChange): void;
  onAlert(c: AlertChange): void;
  onEntityChanged(c: EntityChanged): void;
  /** A message on the `plan` topic: a request when `request: true`; plans themselves are the planner's own. */
  onPlanMessage(message: unknown): void;
}

export function replanTriggers(planner: Planner): ReplanTriggers {
  return {
    onJobChange(c) {
      if (c.cause !== 'api') return;
      if (c.from === null) planner.trigger(c.tenantId, { kind: 'new_job', jobId: c.jobId, detail: `Job ${c.jobId} added` });
      else if (c.to === 'cancelled') planner.trigger(c.tenantId, { kind: 'job_cancelled', jobId: c.jobId, detail: `Job ${c.jobId} cancelled` });
    },
    onAlert(c) {
      if (c.change !== 'raised') return;
      const a = c.alert;
      if (a.kind === 'eta_slip') planner.trigger(a.tenantId, { kind: 'eta_slip', jobId: a.subject.jobId, detail: a.message });
      else if (a.kind === 'offline' && a.subject.vehicleId) {
        planner.trigger(a.tenantId, { kind: 'vehicle_offline', vehicleId: a.subject.vehicleId, detail: a.message });
      }
    },
    onEntityChanged(c) {
      if (c.entity !== 'vehicle') return;
      planner.trigger(c.tenantId, { kind: 'shift_change', vehicleId: c.id, detail: `Vehicle ${c.id} changed (shift, crew or skills)` });
    },
    onPlanMessage(message) {
      const m = message as { request?: unknown; tenantId?: unknown; trigger?: PlanTrigger } | null;
      if (m?.request !== true || typeof m.tenantId !== 'string') return;
      planner.trigger(m.tenantId, m.trigger ?? { kind: 'manual', detail: 'Re-plan requested' });
    },
  };
}

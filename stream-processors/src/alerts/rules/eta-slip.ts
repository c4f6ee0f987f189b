import type { AlertChange } from '@fieldtrace/protocol';
import type { AlertState, TenantAlerts } from '../alert-state.js';
import type { AlertEtaInput } from '../alert-inputs.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import { accept, conditionEnded, conditionHolds, formatDuration, heldSince, Track } from '../alert-track.js';

type Rule = CompiledRule<RuleOf<'eta_slip'>>;

export const etaSlipText: Describer<RuleOf<'eta_slip'>> = {
  describe(_rule, t, name) {
    const late = formatDuration(t.value);
    return t.againstWindow ? `${name} expected ${late} after its window ends` : `${name} expected ${late} later than first estimated`;
  },
};

/**
 * Slip = ETA − the job's window end when it has one (lateness against what the customer was promised), else
 * ETA − the first ETA this processor saw for the job (drift since departure; after a restart the first one seen
 * since). One track per job for its whole life: it holds that baseline.
 */
export function evaluateEtaSlip(state: AlertState, tenant: TenantAlerts, rule: Rule, e: AlertEtaInput, out: AlertChange[]): number {
  if (!rule.appliesTo(e.vehicleId)) return 0;
  let t = rule.byJob.get(e.jobId);
  if (!t) {
    const subject = e.deviceId === undefined ? { jobId: e.jobId, vehicleId: e.vehicleId } : { jobId: e.jobId, vehicleId: e.vehicleId, deviceId: e.deviceId };
    rule.byJob.set(e.jobId, (t = new Track('j', e.jobId, subject)));
  }
  if (!accept(state, t, e.ts)) return 0;
  if (Number.isNaN(t.baselineEta)) t.baselineEta = e.eta;
  const windowEnd = e.windowEnd ?? null;
  const slipMs = windowEnd !== null ? e.eta - windowEnd : e.eta - t.baselineEta;
  if (!(slipMs > rule.rule.maxSlipS * 1000)) return conditionEnded(state, tenant, rule, t, e.ts, Number.NaN, out);
  t.value = Math.round(slipMs / 1000);
  t.threshold = rule.rule.maxSlipS;
  t.againstWindow = windowEnd !== null;
  return conditionHolds(state, tenant, rule, t, heldSince(t, e.ts), e.ts, out);
}

/** Clears the job's slip alerts and forgets its baseline. */
export function endJobEta(state: AlertState, tenant: TenantAlerts, rule: Rule, jobId: string, ts: number, out: AlertChange[]): number {
  const t = rule.byJob.get(jobId);
  if (!t) return 0;
  rule.byJob.delete(jobId);
  return conditionEnded(state, tenant, rule, t, ts, Number.NaN, out);
}

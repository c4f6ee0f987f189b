import type { AlertChange } from '@fieldtrace/protocol';
import type { AlertState, TenantAlerts } from '../alert-state.js';
import type { AlertPositionInput } from '../alert-inputs.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import { accept, conditionEnded, conditionHolds, heldSince, vehicleOrDeviceTrack } from '../alert-track.js';

type Rule = CompiledRule<RuleOf<'leave_area'>>;

export const leaveAreaText: Describer<RuleOf<'leave_area'>> = {
  describe(rule, _t, name) {
    return `${name} is outside its allowed area ${rule.rule.geofenceId}`;
  },
};

/** Outside the rule's geofence, by the fence membership the adapter computed for this fix. */
export function evaluateLeaveArea(
  state: AlertState,
  tenant: TenantAlerts,
  rule: Rule,
  p: AlertPositionInput,
  insideFences: readonly string[],
  out: AlertChange[],
): number {
  if (!rule.appliesTo(p.vehicleId)) return 0;
  const outside = !insideFences.includes(rule.rule.geofenceId);
  const t = vehicleOrDeviceTrack(rule, p.deviceId, p.vehicleId, outside);
  if (!t || !accept(state, t, p.ts)) return 0;
  if (!outside) return conditionEnded(state, tenant, rule, t, p.ts, Number.NaN, out);
  return conditionHolds(state, tenant, rule, t, heldSince(t, p.ts), p.ts, out);
}

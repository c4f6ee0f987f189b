import type { AlertChange } from '@fieldtrace/protocol';
import type { AlertState, TenantAlerts } from '../alert-state.js';
import type { AlertDroneInput } from '../alert-inputs.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import { accept, conditionEnded, conditionHolds, deviceTrack, heldSince } from '../alert-track.js';

type Rule = CompiledRule<RuleOf<'drone_battery'>>;

export const droneBatteryText: Describer<RuleOf<'drone_battery'>> = {
  describe(_rule, t, name) {
    return `${name} battery at ${Math.round(t.value)}% (minimum ${t.threshold}%)`;
  },
};

export function evaluateDroneBattery(
  state: AlertState,
  tenant: TenantAlerts,
  rule: Rule,
  d: AlertDroneInput,
  out: AlertChange[],
): number {
  const batteryPct = d.batteryPct;
  if (batteryPct === undefined || !rule.appliesTo(d.vehicleId)) return 0;
  const low = batteryPct < rule.rule.minPct;
  const t = deviceTrack(rule, d.deviceId, d.vehicleId, low);
  if (!t || !accept(state, t, d.ts)) return 0;
  if (!low) return conditionEnded(state, tenant, rule, t, d.ts, Number.NaN, out);
  t.value = batteryPct;
  t.threshold = rule.rule.minPct;
  return conditionHolds(state, tenant, rule, t, heldSince(t, d.ts), d.ts, out);
}

import type { AlertChange } from '@fieldtrace/protocol';
import type { AlertState, DeviceSeen, TenantAlerts } from '../alert-state.js';
import type { AlertPositionInput } from '../alert-inputs.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import { accept, conditionEnded, conditionHolds, heldSince, vehicleOrDeviceTrack } from '../alert-track.js';

type Rule = CompiledRule<RuleOf<'speeding'>>;

export const speedingText: Describer<RuleOf<'speeding'>> = {
  describe(_rule, t, name) {
    const speed = Math.round(t.value);
    const limit = Math.round(t.threshold);
    return t.fenceLimit ? `${name} at ${speed} km/h in a ${limit} km/h zone` : `${name} at ${speed} km/h, over its ${limit} km/h limit`;
  },
};

/**
 * Over the limit in force: the fence's when the rule uses fence limits and the device is in a fence that has one
 * (a 20 km/h yard beats a 90 km/h vehicle limit), else the rule's own. No limit in force: not speeding.
 */
export function evaluateSpeeding(
  state: AlertState,
  tenant: TenantAlerts,
  rule: Rule,
  p: AlertPositionInput,
  seen: DeviceSeen,
  out: AlertChange[],
): number {
  if (!rule.appliesTo(p.vehicleId)) return 0;
  const speedKmh = seen.speedKmh;
  const fenceLimit = rule.rule.useFenceLimits && p.speedLimitKmh !== undefined && p.speedLimitKmh !== null;
  const limit = fenceLimit ? (p.speedLimitKmh as number) : rule.rule.limitKmh;
  const over = limit !== undefined && speedKmh > limit;
  const t = vehicleOrDeviceTrack(rule, p.deviceId, p.vehicleId, over);
  if (!t || !accept(state, t, p.ts)) return 0;
  if (!over) return conditionEnded(state, tenant, rule, t, p.ts, Number.NaN, out);
  t.value = Math.round(speedKmh * 10) / 10;
  t.threshold = limit;
  t.fenceLimit = fenceLimit;
  return conditionHolds(state, tenant, rule, t, heldSince(t, p.ts), p.ts, out);
}

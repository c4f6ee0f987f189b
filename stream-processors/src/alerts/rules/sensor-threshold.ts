import type { AlertChange } from '@fieldtrace/protocol';
import type { AlertState, TenantAlerts } from '../alert-state.js';
import type { AlertSensorInput } from '../alert-inputs.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import { accept, conditionEnded, conditionHolds, heldSince, vehicleOrDeviceTrack } from '../alert-track.js';

type Rule = CompiledRule<RuleOf<'sensor_threshold'>>;

export const sensorThresholdText: Describer<RuleOf<'sensor_threshold'>> = {
  describe(rule, t, name) {
    const side = t.value > t.threshold ? 'above' : 'below';
    return `${name}: ${rule.rule.sensor} at ${t.value}, ${side} ${t.threshold}`;
  },
};

/** Index of the rule's sensor among this message's readings, -1 if absent (an index, not a value: see DeviceSeen.speedKmh). */
export function readingIndex(readings: AlertSensorInput['readings'], name: string): number {
  for (let i = 0; i < readings.length; i++) if (readings[i]!.name === name) return i;
  return -1;
}

/** A boolean reading counts as 1 or 0. */
export function numeric(value: number | boolean): number {
  return typeof value === 'number' ? value : value ? 1 : 0;
}

/** Above `above` or below `below`; with both, anywhere outside the band. A message without the sensor changes nothing. */
export function evaluateSensorThreshold(
  state: AlertState,
  tenant: TenantAlerts,
  rule: Rule,
  s: AlertSensorInput,
  out: AlertChange[],
): number {
  if (!rule.appliesTo(s.vehicleId)) return 0;
  const i = readingIndex(s.readings, rule.rule.sensor);
  if (i < 0) return 0;
  const value = numeric(s.readings[i]!.value);
  const { above, below } = rule.rule;
  const threshold = above !== undefined && value > above ? above : below !== undefined && value < below ? below : undefined;
  const t = vehicleOrDeviceTrack(rule, s.deviceId, s.vehicleId, threshold !== undefined);
  if (!t || !accept(state, t, s.ts)) return 0;
  if (threshold === undefined) return conditionEnded(state, tenant, rule, t, s.ts, Number.NaN, out);
  t.value = value;
  t.threshold = threshold;
  return conditionHolds(state, tenant, rule, t, heldSince(t, s.ts), s.ts, out);
}

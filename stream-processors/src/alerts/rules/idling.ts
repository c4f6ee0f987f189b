import { ALERT_RULE_DEFAULTS, type AlertChange } from '@fieldtrace/protocol';
import type { AlertState, TenantAlerts } from '../alert-state.js';
import type { AlertIdleInput, AlertSensorInput } from '../alert-inputs.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import { conditionEnded, conditionHolds, formatDuration, vehicleOrDeviceTrack, type Track } from '../alert-track.js';
import { numeric, readingIndex } from './sensor-threshold.js';

type Rule = CompiledRule<RuleOf<'idling'>>;

export const idlingText: Describer<RuleOf<'idling'>> = {
  describe(_rule, t, name) {
    const allowed = formatDuration(t.threshold);
    return t.alert?.status === 'cleared'
      ? `${name} idled for ${formatDuration(t.value)} (allowed ${allowed})`
      : `${name} idling for ${formatDuration(t.value)} (allowed ${allowed})`;
  },
};

/**
 * Idle and PTO arrive from different sources (the trips core, a sensor box), so their event times interleave
 * loosely: each applies at the latest time the track has seen rather than being dropped as stale.
 */
function appliedAt(t: Track, ts: number): number {
  if (ts > t.lastTs) t.lastTs = ts;
  return t.lastTs;
}

export function applyIdle(state: AlertState, tenant: TenantAlerts, rule: Rule, i: AlertIdleInput, out: AlertChange[]): number {
  if (!rule.appliesTo(i.vehicleId)) return 0;
  const t = vehicleOrDeviceTrack(rule, i.deviceId, i.vehicleId, i.idle);
  if (!t || t.idle === i.idle) return t ? idleCheck(state, tenant, rule, t, appliedAt(t, i.ts), out) : 0;
  t.idle = i.idle;
  return idleChanged(state, tenant, rule, t, appliedAt(t, i.ts), out);
}

/** The power take-off drives a pump, a spreader, a crane: an engine running for it is working, not idling. */
export function applyPto(state: AlertState, tenant: TenantAlerts, rule: Rule, s: AlertSensorInput, out: AlertChange[]): number {
  if (!rule.appliesTo(s.vehicleId)) return 0;
  const i = readingIndex(s.readings, rule.rule.ptoSensor ?? ALERT_RULE_DEFAULTS.ptoSensor);
  if (i < 0) return 0;
  const pto = numeric(s.readings[i]!.value) > 0;
  const t = vehicleOrDeviceTrack(rule, s.deviceId, s.vehicleId, pto);
  if (!t || t.pto === pto) return 0;
  t.pto = pto;
  return idleChanged(state, tenant, rule, t, appliedAt(t, s.ts), out);
}

export function ignitionOff(state: AlertState, tenant: TenantAlerts, rule: Rule, deviceId: string, vehicleId: string | undefined, ts: number, out: AlertChange[]): number {
  const t = vehicleOrDeviceTrack(rule, deviceId, vehicleId, false);
  if (!t || !t.idle) return 0;
  t.idle = false;
  return idleChanged(state, tenant, rule, t, appliedAt(t, ts), out);
}

/** Idling (engine on, stationary, PTO off) starts or ends at `ts`. */
function idleChanged(state: AlertState, tenant: TenantAlerts, rule: Rule, t: Track, ts: number, out: AlertChange[]): number {
  if (t.idle && !t.pto) {
    if (Number.isNaN(t.idleSince)) t.idleSince = ts;
    return idleCheck(state, tenant, rule, t, ts, out);
  }
  const since = t.idleSince;
  t.idleSince = Number.NaN;
  return conditionEnded(state, tenant, rule, t, ts, Number.isNaN(since) ? Number.NaN : Math.round((ts - since) / 1000), out);
}

/**
 * The condition is "idle longer than maxIdleS": it starts maxIdleS after idling did, and then needs the rule's
 * minDurationS like any other. Called by inputs and by tick, which is what raises it for a truck left running
 * with nothing more to report.
 */
export function idleCheck(state: AlertState, tenant: TenantAlerts, rule: Rule, t: Track, now: number, out: AlertChange[]): number {
  if (Number.isNaN(t.idleSince)) return 0;
  const since = t.idleSince + rule.rule.maxIdleS * 1000;
  if (now < since) return 0;
  t.value = rule.rule.maxIdleS + rule.holdMs / 1000;
  t.threshold = rule.rule.maxIdleS;
  return conditionHolds(state, tenant, rule, t, since, now, out);
}

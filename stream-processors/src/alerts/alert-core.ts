import { haversineM, parseAlertId, type Alert, type AlertChange, type AlertRule } from '@fieldtrace/protocol';
import { DEFAULT_ALERT_OPTIONS, DeviceSeen, TenantAlerts, type AlertOptions, type AlertState } from './alert-state.js';
import type {
  AlertDroneInput,
  AlertEtaInput,
  AlertIdleInput,
  AlertJobEndedInput,
  AlertPositionInput,
  AlertSensorInput,
  AlertStatusInput,
} from './alert-inputs.js';
import { CompiledRule, type RuleOf } from './compiled-rule.js';
import { conditionEnded, conditionHolds, emit, recordFromAlert, toAlert, Track, type AlertRecord } from './alert-track.js';
import { evaluateSpeeding, speedingText } from './rules/speeding.js';
import { evaluateLeaveArea, leaveAreaText } from './rules/leave-area.js';
import { evaluateSensorThreshold, sensorThresholdText } from './rules/sensor-threshold.js';
import { droneBatteryText, evaluateDroneBattery } from './rules/drone-battery.js';
import { endJobEta, etaSlipText, evaluateEtaSlip } from './rules/eta-slip.js';
import { applyIdle, applyPto, idleCheck, idlingText, ignitionOff } from './rules/idling.js';
import { heardFrom, offlineText, tickOffline } from './rules/offline.js';

/**
 * Alerts as data: a pure core. Each tenant's rules (JSON, validated with checkAlertRuleSet) are evaluated per
 * (rule, subject) against the inputs the adapter feeds it, and every change to an alert is appended to `out` as
 * an AlertChange. Time is the inputs' event time; tick() alone takes the adapter's clock, for what happens
 * because nothing arrives (a device gone silent, a truck idling on, a condition reaching its minimum duration).
 * Deterministic given the inputs; no allocation for an input that changes nothing.
 *
 * Every step returns how many changes it appended.
 */

export type { AlertOptions, AlertState, AlertCounters } from './alert-state.js';
export { DEFAULT_ALERT_OPTIONS } from './alert-state.js';
export type * from './alert-inputs.js';

export function createAlertState(opts: Partial<AlertOptions> = {}): AlertState {
  const o: AlertOptions = { ...DEFAULT_ALERT_OPTIONS, ...opts };
  return {
    opts: o,
    updateIntervalMs: o.updateIntervalS * 1000,
    forgetAfterMs: o.forgetAfterS * 1000,
    tenants: new Map(),
    counters: { inputs: 0, staleIgnored: 0, raised: 0, updated: 0, reopened: 0, acknowledged: 0, cleared: 0 },
  };
}

/**
 * Replaces a tenant's rules at runtime. A rule that is gone, disabled, or whose condition changed (kind,
 * thresholds, appliesTo...) clears its open alerts at `ts`; one whose condition is unchanged (renamed, new
 * severity, minDurationS or cooldownS) keeps its alerts and pending conditions. Trusts its input: validate the
 * document with checkAlertRuleSet first.
 */
export function setAlertRules(state: AlertState, tenantId: string, rules: readonly AlertRule[], ts: number, out: AlertChange[]): number {
  let tenant = state.tenants.get(tenantId);
  if (!tenant) state.tenants.set(tenantId, (tenant = new TenantAlerts(tenantId)));
  const next = new Map<string, CompiledRule>();
  for (const r of rules) if (r.enabled !== false) next.set(r.id, compileRule(r));
  let n = 0;
  for (const [id, old] of tenant.rules) {
    const kept = next.get(id);
    if (kept && kept.kind === old.kind && kept.conditionKey === old.conditionKey) {
      kept.byVehicle = old.byVehicle;
      kept.byDevice = old.byDevice;
      kept.byJob = old.byJob;
      continue;
    }
    for (const [, , t] of old.tracks()) n += conditionEnded(state, tenant, old, t, ts, Number.NaN, out);
  }
  tenant.rules = next;
  groupByKind(tenant);
  return n;
}

/**
 * Gives the core back the alerts it had before a restart (stored rows, any status; call after setAlertRules), so
 * acknowledgements and cooldowns survive and open alerts clear when their condition ends. Alerts of rules that
 * no longer exist are skipped. Returns how many were taken.
 */
export function restoreAlerts(state: AlertState, tenantId: string, alerts: readonly Alert[]): number {
  const tenant = state.tenants.get(tenantId);
  if (!tenant) return 0;
  let n = 0;
  for (const alert of alerts) {
    const id = parseAlertId(alert.id);
    const rule = tenant.rules.get(alert.ruleId);
    if (!id || !rule || rule.kind !== alert.kind || id.ruleId !== rule.id) continue;
    const map = id.subjectKind === 'v' ? rule.byVehicle : id.subjectKind === 'd' ? rule.byDevice : rule.byJob;
    let t = map.get(id.subjectId);
    if (!t) map.set(id.subjectId, (t = new Track(id.subjectKind, id.subjectId, { ...alert.subject })));
    if (t.alert !== null && t.alert.openedAt >= alert.openedAt) continue;
    t.alert = recordFromAlert(alert, rule, t);
    t.lastUpdateTs = alert.updatedAt;
    if (alert.updatedAt > t.lastTs) t.lastTs = alert.updatedAt;
    if (rule.kind === 'idling' && t.alert.active) {
      // Still idling as far as anyone knows, since it had been idle long enough to open: the next "not idle"
      // (or PTO, or ignition off) then clears it with the whole duration.
      t.idle = true;
      t.idleSince = alert.openedAt - rule.holdMs - (rule.rule as RuleOf<'idling'>).maxIdleS * 1000;
    }
    n++;
  }
  return n;
}

/** A validated fix: speeding, leaving an allowed area; and a sign of life. */
export function stepAlertPosition(state: AlertState, p: AlertPositionInput, out: AlertChange[]): number {
  state.counters.inputs++;
  const tenant = state.tenants.get(p.tenantId);
  if (!tenant) return 0;
  const seen = deviceSeen(tenant, p.deviceId, p.vehicleId);
  let n = heardFrom(state, tenant, seen, p, out);
  if (tenant.speeding.length > 0) {
    const dtMs = p.ts - seen.posTs;
    seen.speedKmh =
      p.speed !== undefined
        ? p.speed * 3.6
        : dtMs >= 1000 && Number.isFinite(dtMs)
          ? (haversineM(seen.lat, seen.lon, p.lat, p.lon) / (dtMs / 1000)) * 3.6
          : Number.NaN;
    // Unknown speed is no evidence either way: open alerts and pending conditions stay as they are.
    if (!Number.isNaN(seen.speedKmh)) for (const rule of tenant.speeding) n += evaluateSpeeding(state, tenant, rule, p, seen, out);
  }
  const inside = p.insideFences;
  if (inside !== undefined) for (const rule of tenant.leaveArea) n += evaluateLeaveArea(state, tenant, rule, p, inside, out);
  if (p.ts > seen.posTs) {
    seen.posTs = p.ts;
    seen.lat = p.lat;
    seen.lon = p.lon;
  }
  return n;
}

/** Sensor readings: thresholds, and the PTO state that excuses idling; and a sign of life. */
export function stepAlertSensor(state: AlertState, s: AlertSensorInput, out: AlertChange[]): number {
  state.counters.inputs++;
  const tenant = state.tenants.get(s.tenantId);
  if (!tenant) return 0;
  let n = heardFrom(state, tenant, deviceSeen(tenant, s.deviceId, s.vehicleId), s, out);
  for (const rule of tenant.sensorThreshold) n += evaluateSensorThreshold(state, tenant, rule, s, out);
  for (const rule of tenant.idling) n += applyPto(state, tenant, rule, s, out);
  return n;
}

/** A heartbeat; ignition off also ends idling. */
export function stepAlertStatus(state: AlertState, s: AlertStatusInput, out: AlertChange[]): number {
  state.counters.inputs++;
  const tenant = state.tenants.get(s.tenantId);
  if (!tenant) return 0;
  let n = heardFrom(state, tenant, deviceSeen(tenant, s.deviceId, s.vehicleId), s, out);
  if (s.ignition === false) for (const rule of tenant.idling) n += ignitionOff(state, tenant, rule, s.deviceId, s.vehicleId, s.ts, out);
  return n;
}

/** Drone telemetry: low battery; and a sign of life. */
export function stepAlertDrone(state: AlertState, d: AlertDroneInput, out: AlertChange[]): number {
  state.counters.inputs++;
  const tenant = state.tenants.get(d.tenantId);
  if (!tenant) return 0;
  let n = heardFrom(state, tenant, deviceSeen(tenant, d.deviceId, d.vehicleId), d, out);
  for (const rule of tenant.droneBattery) n += evaluateDroneBattery(state, tenant, rule, d, out);
  return n;
}

/** Idle (engine on, stationary) starting or ending, from the trips core. Derived, so not a sign of life. */
export function stepAlertIdle(state: AlertState, i: AlertIdleInput, out: AlertChange[]): number {
  state.counters.inputs++;
  const tenant = state.tenants.get(i.tenantId);
  if (!tenant) return 0;
  let n = 0;
  for (const rule of tenant.idling) n += applyIdle(state, tenant, rule, i, out);
  return n;
}

/** An ETA for a job: slip beyond the rule's allowance. Derived, so not a sign of life. */
export function stepAlertEta(state: AlertState, e: AlertEtaInput, out: AlertChange[]): number {
  state.counters.inputs++;
  const tenant = state.tenants.get(e.tenantId);
  if (!tenant) return 0;
  let n = 0;
  for (const rule of tenant.etaSlip) n += evaluateEtaSlip(state, tenant, rule, e, out);
  return n;
}

/** The job arrived, finished or was cancelled: its slip alerts clear and its ETA baseline is dropped. */
export function stepAlertJobEnded(state: AlertState, j: AlertJobEndedInput, out: AlertChange[]): number {
  const tenant = state.tenants.get(j.tenantId);
  if (!tenant) return 0;
  let n = 0;
  for (const rule of tenant.etaSlip) n += endJobEta(state, tenant, rule, j.jobId, j.ts, out);
  return n;
}

/**
 * Time passing with no input, at `now` (the adapter's clock, Unix ms; call every few seconds): raises offline
 * and idling alerts and conditions that have now held their minimum duration, assuming the last value reported
 * still holds (sensors that report by exception stay quiet while nothing changes). Opening times are
 * since + minDurationS whatever the tick cadence, so ids do not depend on it. Also forgets quiet subjects past
 * their cooldown, and clears an alert whose subject has sent nothing for forgetAfterS (its condition is unknown).
 */
export function tickAlerts(state: AlertState, now: number, out: AlertChange[]): number {
  let n = 0;
  for (const tenant of state.tenants.values()) {
    for (const rule of tenant.rules.values()) {
      if (rule.kind === 'offline') n += tickOffline(state, tenant, rule as CompiledRule<RuleOf<'offline'>>, now, out);
      const idling = rule.kind === 'idling' ? (rule as CompiledRule<RuleOf<'idling'>>) : null;
      const timeDriven = rule.kind === 'offline' || idling !== null;
      for (const [map, key, t] of rule.tracks()) {
        if (idling !== null) n += idleCheck(state, tenant, idling, t, now, out);
        const a = t.alert;
        const open = a !== null && a.active;
        if (!open && !timeDriven && !Number.isNaN(t.since)) n += conditionHolds(state, tenant, rule, t, t.since, now, out);
        if (open && !timeDriven && now - t.lastTs >= state.forgetAfterMs) n += conditionEnded(state, tenant, rule, t, now, Number.NaN, out);
        if (isForgettable(state, rule, t, now)) map.delete(key);
      }
    }
  }
  return n;
}

function isForgettable(state: AlertState, rule: CompiledRule, t: Track, now: number): boolean {
  const a = t.alert;
  if (a !== null && (a.active || now - a.clearedAt < rule.cooldownMs)) return false;
  if (!Number.isNaN(t.since) || t.idle || t.pto) return false;
  // A job's track holds its ETA baseline, needed for as long as ETAs keep coming.
  return rule.kind !== 'eta_slip' || now - t.lastTs >= state.forgetAfterMs;
}

/**
 * An operator acknowledged the alert at `ts`: open → acknowledged (a cleared one stays cleared, with the
 * acknowledgement recorded). Acknowledging never clears, and an acknowledged alert that re-triggers within
 * cooldown comes back acknowledged. Idempotent: a second acknowledgement changes nothing and appends nothing.
 * Undefined when the core does not hold the alert (cleared past its cooldown, or unknown): the stored row is
 * then all there is to update.
 */
export function acknowledgeAlert(
  state: AlertState,
  tenantId: string,
  alertId: string,
  by: string,
  ts: number,
  out?: AlertChange[],
): Alert | undefined {
  const a = findAlert(state, tenantId, alertId);
  if (!a) return undefined;
  if (Number.isNaN(a.acknowledgedAt)) {
    a.acknowledgedAt = ts;
    a.acknowledgedBy = by;
    if (a.status === 'open') a.status = 'acknowledged';
    a.updatedAt = Math.max(a.updatedAt, ts);
    state.counters.acknowledged++;
    if (out) emit(out, 'acknowledged', a);
  }
  return toAlert(a);
}

/** Open and acknowledged alerts of a tenant, as snapshots (for a health page or a consistency check; not a hot path). */
export function activeAlerts(state: AlertState, tenantId: string): Alert[] {
  const tenant = state.tenants.get(tenantId);
  const result: Alert[] = [];
  if (!tenant) return result;
  for (const rule of tenant.rules.values()) for (const [, , t] of rule.tracks()) if (t.alert?.active) result.push(toAlert(t.alert));
  return result;
}

function findAlert(state: AlertState, tenantId: string, alertId: string): AlertRecord | undefined {
  const id = parseAlertId(alertId);
  const rule = id && state.tenants.get(tenantId)?.rules.get(id.ruleId);
  if (!id || !rule) return undefined;
  const map = id.subjectKind === 'v' ? rule.byVehicle : id.subjectKind === 'd' ? rule.byDevice : rule.byJob;
  const a = map.get(id.subjectId)?.alert;
  return a && a.id === alertId ? a : undefined;
}

function deviceSeen(tenant: TenantAlerts, deviceId: string, vehicleId: string | undefined): DeviceSeen {
  let seen = tenant.devices.get(deviceId);
  if (!seen) tenant.devices.set(deviceId, (seen = new DeviceSeen()));
  if (vehicleId !== undefined) seen.vehicleId = vehicleId;
  return seen;
}

function compileRule(r: AlertRule): CompiledRule {
  switch (r.kind) {
    case 'speeding':
      return new CompiledRule(r, speedingText, true);
    case 'idling':
      return new CompiledRule(r, idlingText, false);
    case 'offline':
      return new CompiledRule(r, offlineText, false);
    case 'drone_battery':
      return new CompiledRule(r, droneBatteryText, true);
    case 'sensor_threshold':
      return new CompiledRule(r, sensorThresholdText, true);
    case 'leave_area':
      return new CompiledRule(r, leaveAreaText, true);
    case 'eta_slip':
      return new CompiledRule(r, etaSlipText, true);
  }
}

function groupByKind(tenant: TenantAlerts): void {
  tenant.speeding = [];
  tenant.idling = [];
  tenant.offline = [];
  tenant.droneBattery = [];
  tenant.sensorThreshold = [];
  tenant.leaveArea = [];
  tenant.etaSlip = [];
  for (const rule of tenant.rules.values()) {
    // The casts restate what `kind` already says; TypeScript does not narrow a generic class through a field.
    switch (rule.kind) {
      case 'speeding':
        tenant.speeding.push(rule as CompiledRule<RuleOf<'speeding'>>);
        break;
      case 'idling':
        tenant.idling.push(rule as CompiledRule<RuleOf<'idling'>>);
        break;
      case 'offline':
        tenant.offline.push(rule as CompiledRule<RuleOf<'offline'>>);
        break;
      case 'drone_battery':
        tenant.droneBattery.push(rule as CompiledRule<RuleOf<'drone_battery'>>);
        break;
      case 'sensor_threshold':
        tenant.sensorThreshold.push(rule as CompiledRule<RuleOf<'sensor_threshold'>>);
        break;
      case 'leave_area':
        tenant.leaveArea.push(rule as CompiledRule<RuleOf<'leave_area'>>);
        break;
      case 'eta_slip':
        tenant.etaSlip.push(rule as CompiledRule<RuleOf<'eta_slip'>>);
        break;
    }
  }
}

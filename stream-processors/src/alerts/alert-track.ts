import {
  alertId,
  WIRE_VERSION,
  type Alert,
  type AlertChange,
  type AlertChangeKind,
  type AlertRuleKind,
  type AlertSeverity,
  type AlertStatus,
  type AlertSubject,
  type AlertSubjectKind,
} from '@fieldtrace/protocol';
import type { CompiledRule } from './compiled-rule.js';
import type { AlertState, TenantAlerts } from './alert-state.js';

/**
 * The lifecycle every rule kind shares, per (rule, subject):
 *
 *   quiet ──condition holds──▶ pending ──held minDurationS──▶ open ⇄ acknowledged
 *     ▲                          │                             │ condition ends / rule removed
 *     │◀──────condition ends─────┘                             ▼
 *     └──────────cooldownS passes, forgotten───────────── cleared ──condition back, held minDurationS,
 *                                                                    within cooldownS──▶ re-opened (same id)
 *
 * The opening time is when the condition had held minDurationS (since + hold), not when someone noticed: an input
 * or a tick, whichever comes first, yields the same alert id.
 */

/** The mutable alert a track owns; published as a fresh `Alert` snapshot on each change. NaN/'' mean absent. */
export class AlertRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly ruleId: string;
  readonly kind: AlertRuleKind;
  readonly subject: AlertSubject;
  readonly openedAt: number;
  severity: AlertSeverity;
  status: AlertStatus = 'open';
  updatedAt: number;
  clearedAt = Number.NaN;
  acknowledgedAt = Number.NaN;
  acknowledgedBy = '';
  value = Number.NaN;
  threshold = Number.NaN;
  message = '';

  constructor(tenantId: string, rule: CompiledRule, track: Track, openedAt: number) {
    this.id = alertId(rule.id, track.subjectKind, track.subjectId, openedAt);
    this.tenantId = tenantId;
    this.ruleId = rule.id;
    this.kind = rule.kind;
    this.subject = track.subject;
    this.openedAt = openedAt;
    this.updatedAt = openedAt;
    this.severity = rule.severity;
  }

  get active(): boolean {
    return this.status !== 'cleared';
  }
}

/** State of one rule for one subject. One shape for every kind; the kind-specific fields idle unused elsewhere. */
export class Track {
  readonly subjectKind: AlertSubjectKind;
  readonly subjectId: string;
  readonly subject: AlertSubject;
  /** Latest event time applied; older inputs are ignored. */
  lastTs = Number.NEGATIVE_INFINITY;
  /** Event time from which the condition has held; NaN while it does not. */
  since = Number.NaN;
  value = Number.NaN;
  threshold = Number.NaN;
  alert: AlertRecord | null = null;
  lastUpdateTs = Number.NEGATIVE_INFINITY;
  /** speeding: the threshold is a fence's limit, not the vehicle's. */
  fenceLimit = false;
  /** eta_slip: the slip is measured against the job's window end, not the first ETA. */
  againstWindow = false;
  /** idling: the engine runs with the vehicle stationary (from the trips core), and whether the PTO is engaged. */
  idle = false;
  pto = false;
  idleSince = Number.NaN;
  /** eta_slip: the first ETA seen for the job, the baseline when it has no window. */
  baselineEta = Number.NaN;

  constructor(subjectKind: AlertSubjectKind, subjectId: string, subject: AlertSubject) {
    this.subjectKind = subjectKind;
    this.subjectId = subjectId;
    this.subject = Object.freeze(subject);
  }
}

/** The track of a vehicle when the input names one (so a tracker and a sensor box on one truck share it), else of the device. */
export function vehicleOrDeviceTrack(rule: CompiledRule, deviceId: string, vehicleId: string | undefined, create: boolean): Track | undefined {
  if (vehicleId !== undefined) {
    let t = rule.byVehicle.get(vehicleId);
    if (!t && create) rule.byVehicle.set(vehicleId, (t = new Track('v', vehicleId, { vehicleId, deviceId })));
    return t;
  }
  let t = rule.byDevice.get(deviceId);
  if (!t && create) rule.byDevice.set(deviceId, (t = new Track('d', deviceId, { deviceId })));
  return t;
}

export function deviceTrack(rule: CompiledRule, deviceId: string, vehicleId: string | undefined, create: boolean): Track | undefined {
  let t = rule.byDevice.get(deviceId);
  if (!t && create) {
    rule.byDevice.set(deviceId, (t = new Track('d', deviceId, vehicleId === undefined ? { deviceId } : { deviceId, vehicleId })));
  }
  return t;
}

/** When the condition started holding: kept while it holds, else now. */
export function heldSince(t: Track, ts: number): number {
  return Number.isNaN(t.since) ? ts : t.since;
}

/** False (and counted) when the input is older than one already applied to this track. */
export function accept(state: AlertState, t: Track, ts: number): boolean {
  if (ts < t.lastTs) {
    state.counters.staleIgnored++;
    return false;
  }
  t.lastTs = ts;
  return true;
}

/**
 * The condition holds at `ts`, as it has since `since`; `track.value` and `track.threshold` are current.
 * Raises once it has held the rule's minimum duration, re-opens within cooldown, else updates an open alert at
 * most every updateIntervalS. Returns how many changes it appended.
 */
export function conditionHolds(
  state: AlertState,
  tenant: TenantAlerts,
  rule: CompiledRule,
  t: Track,
  since: number,
  ts: number,
  out: AlertChange[],
): number {
  t.since = since;
  const a = t.alert;
  if (a !== null && a.active) {
    if (!rule.updatesValue || ts - t.lastUpdateTs < state.updateIntervalMs) return 0;
    if (Object.is(a.value, t.value) && Object.is(a.threshold, t.threshold) && a.severity === rule.severity) return 0;
    a.value = t.value;
    a.threshold = t.threshold;
    a.severity = rule.severity;
    a.message = describe(state, tenant, rule, t);
    a.updatedAt = Math.max(a.updatedAt, ts);
    t.lastUpdateTs = ts;
    state.counters.updated++;
    return emit(out, 'updated', a);
  }
  const at = since + rule.holdMs;
  if (ts < at) return 0;
  if (a !== null && at - a.clearedAt < rule.cooldownMs) {
    a.status = Number.isNaN(a.acknowledgedAt) ? 'open' : 'acknowledged';
    a.clearedAt = Number.NaN;
    a.updatedAt = Math.max(a.updatedAt, at);
    a.value = t.value;
    a.threshold = t.threshold;
    a.severity = rule.severity;
    a.message = describe(state, tenant, rule, t);
    t.lastUpdateTs = a.updatedAt;
    state.counters.reopened++;
    return emit(out, 'reopened', a);
  }
  const fresh = new AlertRecord(tenant.tenantId, rule, t, at);
  t.alert = fresh;
  fresh.value = t.value;
  fresh.threshold = t.threshold;
  fresh.message = describe(state, tenant, rule, t);
  t.lastUpdateTs = at;
  state.counters.raised++;
  return emit(out, 'raised', fresh);
}

/**
 * The condition no longer holds at `ts` (or its rule went away). Clears an open or acknowledged alert; a final
 * value (the total idle or silent time) rewrites the message, NaN leaves it.
 */
export function conditionEnded(
  state: AlertState,
  tenant: TenantAlerts,
  rule: CompiledRule,
  t: Track,
  ts: number,
  finalValue: number,
  out: AlertChange[],
): number {
  t.since = Number.NaN;
  const a = t.alert;
  if (a === null || !a.active) return 0;
  a.status = 'cleared';
  // A tick can open an alert at since + hold before a backlogged input from earlier says the condition had ended.
  a.clearedAt = Math.max(ts, a.updatedAt);
  a.updatedAt = a.clearedAt;
  if (!Number.isNaN(finalValue)) {
    t.value = finalValue;
    a.value = finalValue;
    a.message = describe(state, tenant, rule, t);
  }
  state.counters.cleared++;
  return emit(out, 'cleared', a);
}

export function emit(out: AlertChange[], change: AlertChangeKind, a: AlertRecord): number {
  out.push({ v: WIRE_VERSION, change, alert: toAlert(a) });
  return 1;
}

/** A snapshot: later changes to the record never reach an Alert already handed out. */
export function toAlert(a: AlertRecord): Alert {
  const alert: Alert = {
    v: WIRE_VERSION,
    id: a.id,
    tenantId: a.tenantId,
    ruleId: a.ruleId,
    kind: a.kind,
    severity: a.severity,
    subject: a.subject,
    status: a.status,
    openedAt: a.openedAt,
    updatedAt: a.updatedAt,
    message: a.message,
  };
  if (!Number.isNaN(a.clearedAt)) alert.clearedAt = a.clearedAt;
  if (!Number.isNaN(a.acknowledgedAt)) alert.acknowledgedAt = a.acknowledgedAt;
  if (a.acknowledgedBy !== '') alert.acknowledgedBy = a.acknowledgedBy;
  if (Number.isFinite(a.value)) alert.value = a.value;
  if (Number.isFinite(a.threshold)) alert.threshold = a.threshold;
  return alert;
}

/** Rebuilds the record of a stored alert (restart), so acknowledgements and cooldowns survive it. */
export function recordFromAlert(alert: Alert, rule: CompiledRule, t: Track): AlertRecord {
  const a = new AlertRecord(alert.tenantId, rule, t, alert.openedAt);
  a.severity = alert.severity;
  a.status = alert.status;
  a.updatedAt = alert.updatedAt;
  a.clearedAt = alert.clearedAt ?? Number.NaN;
  a.acknowledgedAt = alert.acknowledgedAt ?? Number.NaN;
  a.acknowledgedBy = alert.acknowledgedBy ?? '';
  a.value = alert.value ?? Number.NaN;
  a.threshold = alert.threshold ?? Number.NaN;
  a.message = alert.message;
  return a;
}

function describe(state: AlertState, tenant: TenantAlerts, rule: CompiledRule, t: Track): string {
  const name = state.opts.subjectName?.(tenant.tenantId, t.subject, t.subjectKind) ?? defaultSubjectName(t);
  return rule.text.describe(rule, t, name).slice(0, 300);
}

/** "Vehicle v12", "Device d1", "Job j7": what the alert is about (an offline tracker is a device, even on a vehicle). */
export function defaultSubjectName(t: Track): string {
  const kind = t.subjectKind === 'v' ? 'Vehicle' : t.subjectKind === 'd' ? 'Device' : 'Job';
  return `${kind} ${t.subjectId}`;
}

/** "45 s", "12 min", "2 h 5 min": alert messages are read by people, not parsed. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

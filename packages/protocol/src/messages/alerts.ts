import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { CompiledSchema } from '../codec.js';
import { EventTime, Id, WIRE_VERSION } from './common.js';

/**
 * Alerts as data: each tenant keeps a JSON array of rules (`AlertRuleSet`); the stream processors evaluate them
 * against live telemetry and publish `AlertChange` on bus kind `alert`; the `Alert` inside is also the stored row.
 */

export const ALERT_RULE_KINDS = ['speeding', 'idling', 'offline', 'drone_battery', 'sensor_threshold', 'leave_area', 'eta_slip'] as const;
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number];

export const AlertSeverity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
export type AlertSeverity = Static<typeof AlertSeverity>;

/** What an omitted optional rule field means; the schema carries the same values as `default` annotations. */
export const ALERT_RULE_DEFAULTS = { enabled: true, minDurationS: 0, cooldownS: 300, ptoSensor: 'pto' } as const;

/** A tenant's rule document holds at most this many rules (evaluation cost is per rule per message). */
export const MAX_ALERT_RULES = 200;

const DAY_S = 86_400;
const Seconds = (description: string, extra: { default?: number; minimum?: number } = {}) =>
  Type.Integer({ minimum: 0, maximum: 7 * DAY_S, description: `${description}, seconds`, ...extra });

function rule<K extends AlertRuleKind, P extends TProperties>(kind: K, description: string, props: P) {
  return Type.Object(
    {
      id: Id,
      kind: Type.Literal(kind),
      name: Type.String({ minLength: 1, maxLength: 120 }),
      enabled: Type.Optional(Type.Boolean({ default: ALERT_RULE_DEFAULTS.enabled })),
      severity: AlertSeverity,
      /** The condition must hold this long (event time) before an alert is raised; a shorter spike raises nothing. */
      minDurationS: Type.Optional(Seconds('hold before raising', { default: ALERT_RULE_DEFAULTS.minDurationS })),
      /** After an alert clears, the same rule and subject re-open that alert instead of raising a new one for this long. */
      cooldownS: Type.Optional(Seconds('re-open window after clearing', { default: ALERT_RULE_DEFAULTS.cooldownS })),
      /** Absent: every vehicle and device of the tenant. With vehicleIds, only those vehicles (devices on them). */
      appliesTo: Type.Optional(
        Type.Object({ vehicleIds: Type.Optional(Type.Array(Id, { maxItems: 10_000 })) }, { additionalProperties: false }),
      ),
      ...props,
    },
    { additionalProperties: false, description },
  );
}

const Kmh = Type.Number({ exclusiveMinimum: 0, maximum: 500, description: 'km/h' });

export const SpeedingRule = rule('speeding', 'Speed above the limit of the fence the vehicle is in, else above limitKmh.', {
  /** The vehicle's own limit, used where no fence limit applies. */
  limitKmh: Type.Optional(Kmh),
  /** Prefer the `speedLimitKmh` of the geofence the vehicle is inside, when it has one. */
  useFenceLimits: Type.Boolean(),
});
export const IdlingRule = rule('idling', 'Engine on and stationary for longer than maxIdleS, unless the PTO is in use.', {
  maxIdleS: Seconds('idle allowed', { minimum: 1 }),
  /** Sensor reading that says the power take-off is in use (true or > 0); such idling is work, not waste. */
  ptoSensor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: ALERT_RULE_DEFAULTS.ptoSensor })),
});
export const OfflineRule = rule('offline', 'Nothing heard from a device for longer than maxSilenceS.', {
  maxSilenceS: Seconds('silence allowed', { minimum: 1 }),
});
export const DroneBatteryRule = rule('drone_battery', 'Drone battery below minPct.', {
  minPct: Type.Number({ minimum: 0, maximum: 100 }),
});
export const SensorThresholdRule = rule(
  'sensor_threshold',
  'A named sensor reading above `above` or below `below` (at least one of them; both: outside the band).',
  {
    sensor: Type.String({ minLength: 1, maxLength: 64 }),
    above: Type.Optional(Type.Number()),
    below: Type.Optional(Type.Number()),
  },
);
export const LeaveAreaRule = rule('leave_area', 'The vehicle is outside the geofence it must stay in.', {
  geofenceId: Id,
});
export const EtaSlipRule = rule(
  'eta_slip',
  "A job's ETA later than its window end by more than maxSlipS; for a job without a window, later than the first ETA seen for it.",
  { maxSlipS: Seconds('lateness allowed') },
);

export const AlertRule = Type.Union([SpeedingRule, IdlingRule, OfflineRule, DroneBatteryRule, SensorThresholdRule, LeaveAreaRule, EtaSlipRule]);
export type AlertRule = Static<typeof AlertRule>;
export type SpeedingRule = Static<typeof SpeedingRule>;
export type IdlingRule = Static<typeof IdlingRule>;
export type OfflineRule = Static<typeof OfflineRule>;
export type DroneBatteryRule = Static<typeof DroneBatteryRule>;
export type SensorThresholdRule = Static<typeof SensorThresholdRule>;
export type LeaveAreaRule = Static<typeof LeaveAreaRule>;
export type EtaSlipRule = Static<typeof EtaSlipRule>;

/**
 * A tenant's whole rule document (PUT /v1/alert-rules). Validate with checkAlertRuleSet(), not with a compiled
 * union: a union's error says only "Expected union value", while checkAlertRuleSet names the offending field.
 */
export const AlertRuleSet = Type.Array(AlertRule, { maxItems: MAX_ALERT_RULES });
export type AlertRuleSet = Static<typeof AlertRuleSet>;

export const AlertStatus = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('cleared')]);
export type AlertStatus = Static<typeof AlertStatus>;

export const AlertSubject = Type.Object(
  { deviceId: Type.Optional(Id), vehicleId: Type.Optional(Id), jobId: Type.Optional(Id) },
  { additionalProperties: false },
);
export type AlertSubject = Static<typeof AlertSubject>;

/** Which subject an alert id names: a vehicle, a device (offline, drone battery, unmounted trackers) or a job (ETA slip). */
export type AlertSubjectKind = 'v' | 'd' | 'j';

/** `{ruleId}.{v|d|j}.{subjectId}.{openedAt}`; `.` never occurs in an Id, so the parts split unambiguously. */
export const AlertId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}\\.[vdj]\\.[A-Za-z0-9_-]{1,64}\\.[0-9]{1,16}$' });

/**
 * Deterministic: a replay of the same input raises the same id, so storage upserts it once. Unique per tenant
 * (rule ids are), not globally: store alerts under (tenant, id).
 */
export function alertId(ruleId: string, subjectKind: AlertSubjectKind, subjectId: string, openedAt: number): string {
  return `${ruleId}.${subjectKind}.${subjectId}.${openedAt}`;
}

const alertIdRe = /^([A-Za-z0-9_-]{1,64})\.([vdj])\.([A-Za-z0-9_-]{1,64})\.([0-9]{1,16})$/;

export function parseAlertId(id: string): { ruleId: string; subjectKind: AlertSubjectKind; subjectId: string; openedAt: number } | null {
  const m = alertIdRe.exec(id);
  if (!m) return null;
  return { ruleId: m[1]!, subjectKind: m[2] as AlertSubjectKind, subjectId: m[3]!, openedAt: Number(m[4]) };
}

/**
 * One alert: a rule's condition holding for one subject. Lifecycle open → acknowledged → cleared; acknowledging
 * never clears (only the condition ending, or the rule being removed, does). Stored as-is, upserted by (tenant, id).
 */
export const Alert = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  id: AlertId,
  tenantId: Id,
  ruleId: Id,
  kind: Type.Union(ALERT_RULE_KINDS.map((k) => Type.Literal(k))),
  severity: AlertSeverity,
  subject: AlertSubject,
  status: AlertStatus,
  /** When the condition had held for the rule's minDurationS (event time), whoever noticed it first. */
  openedAt: EventTime,
  updatedAt: EventTime,
  clearedAt: Type.Optional(EventTime),
  acknowledgedAt: Type.Optional(EventTime),
  /** The user who acknowledged it (as the API authenticated them). */
  acknowledgedBy: Type.Optional(Type.String({ maxLength: 128 })),
  /**
   * The measured value, by kind: speeding km/h; idling and offline seconds (at opening, and the total at clearing);
   * drone_battery percent; sensor_threshold the reading; eta_slip seconds late; leave_area none.
   */
  value: Type.Optional(Type.Number()),
  /** What the value was compared against, in the same unit (the speed limit in force, maxIdleS, minPct...). */
  threshold: Type.Optional(Type.Number()),
  /** Human text for lists and notifications, e.g. "Truck 12 at 78 km/h in a 50 km/h zone". */
  message: Type.String({ maxLength: 300 }),
});
export type Alert = Static<typeof Alert>;

/**
 * What happened to an alert; the payload of bus kind `alert`. `reopened`: the condition came back within the
 * rule's cooldown, so the cleared alert is open again (or acknowledged, if someone had acknowledged it) rather
 * than duplicated; notifiers page on `raised` only.
 */
export const AlertChangeKind = Type.Union([
  Type.Literal('raised'),
  Type.Literal('updated'),
  Type.Literal('reopened'),
  Type.Literal('acknowledged'),
  Type.Literal('cleared'),
]);
export type AlertChangeKind = Static<typeof AlertChangeKind>;

export const AlertChange = Type.Object({ v: Type.Literal(WIRE_VERSION), change: AlertChangeKind, alert: Alert });
export type AlertChange = Static<typeof AlertChange>;

export type AlertRuleSetCheck = { ok: true; rules: AlertRule[] } | { ok: false; errors: string[] };

const ruleSchemas: Record<AlertRuleKind, TSchema> = {
  speeding: SpeedingRule,
  idling: IdlingRule,
  offline: OfflineRule,
  drone_battery: DroneBatteryRule,
  sensor_threshold: SensorThresholdRule,
  leave_area: LeaveAreaRule,
  eta_slip: EtaSlipRule,
};
/** Compiled on first use: a browser that only displays alerts never pays for the compiler. */
let compiledRules: Map<string, CompiledSchema<TSchema>> | null = null;

/**
 * Validates a tenant's rule document. Each rule is checked against the schema of its own `kind`, so every
 * problem is reported as `/{index}/{field}: message`; then what JSON Schema cannot say: unique ids, a speeding
 * rule with some limit, a sensor rule with some bound.
 */
export function checkAlertRuleSet(value: unknown, maxErrors = 20): AlertRuleSetCheck {
  if (!Array.isArray(value)) return { ok: false, errors: ['/: expected an array of rules'] };
  if (value.length > MAX_ALERT_RULES) return { ok: false, errors: [`/: ${value.length} rules, at most ${MAX_ALERT_RULES}`] };
  compiledRules ??= new Map(ALERT_RULE_KINDS.map((k) => [k, new CompiledSchema(ruleSchemas[k])]));
  const errors: string[] = [];
  const firstIndexOfId = new Map<string, number>();
  for (let i = 0; i < value.length && errors.length < maxErrors; i++) {
    const item: unknown = value[i];
    const kind = typeof item === 'object' && item !== null ? (item as { kind?: unknown }).kind : undefined;
    const schema = typeof kind === 'string' ? compiledRules.get(kind) : undefined;
    if (!schema) {
      errors.push(`/${i}/kind: expected one of ${ALERT_RULE_KINDS.join(', ')}`);
      continue;
    }
    if (!schema.is(item)) {
      for (const e of schema.check.Errors(item)) {
        errors.push(`/${i}${e.path}: ${e.message}`);
        if (errors.length >= maxErrors) break;
      }
      continue;
    }
    const r = item as AlertRule;
    const seen = firstIndexOfId.get(r.id);
    if (seen !== undefined) errors.push(`/${i}/id: "${r.id}" is already the id of rule /${seen}`);
    else firstIndexOfId.set(r.id, i);
    if (r.kind === 'speeding' && r.limitKmh === undefined && !r.useFenceLimits) {
      errors.push(`/${i}/limitKmh: required unless useFenceLimits is true`);
    }
    if (r.kind === 'sensor_threshold') {
      if (r.above === undefined && r.below === undefined) errors.push(`/${i}/above: give above, below or both`);
      else if (r.above !== undefined && r.below !== undefined && !(r.below < r.above)) {
        errors.push(`/${i}/below: must be less than above (alerting outside the band below..above)`);
      }
    }
  }
  return errors.length === 0 ? { ok: true, rules: value as AlertRule[] } : { ok: false, errors: errors.slice(0, maxErrors) };
}

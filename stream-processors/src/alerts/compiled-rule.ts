import { ALERT_RULE_DEFAULTS, type AlertRule, type AlertRuleKind, type AlertSeverity } from '@fieldtrace/protocol';
import type { Track } from './alert-track.js';

export type RuleOf<K extends AlertRuleKind> = Extract<AlertRule, { kind: K }>;

/**
 * Writes an alert's message from the track's latest value and threshold. Method syntax on purpose: a rule of one
 * kind is then usable where any rule is expected (parameters of methods are checked bivariantly).
 */
export interface Describer<R extends AlertRule> {
  describe(rule: CompiledRule<R>, track: Track, subjectName: string): string;
}

/**
 * A rule with its defaults applied and its tracks: one per subject that has shown the condition (never one per
 * subject merely seen). Tracks survive a runtime rule edit that leaves the condition unchanged (see conditionKey).
 */
export class CompiledRule<R extends AlertRule = AlertRule> {
  readonly rule: R;
  readonly id: string;
  readonly kind: R['kind'];
  readonly severity: AlertSeverity;
  readonly holdMs: number;
  readonly cooldownMs: number;
  readonly vehicles: ReadonlySet<string> | null;
  /**
   * Values whose periodic `updated` changes carry news (a speed, a reading). Off for idling and offline: their
   * value is a duration that grows by itself, reported once at opening and once, as a total, at clearing.
   */
  readonly updatesValue: boolean;
  readonly text: Describer<R>;
  /** Everything that decides whether the condition holds, in a canonical form: equal keys keep their tracks. */
  readonly conditionKey: string;
  /** Tracks by subject id; which map depends on what the rule is about (vehicle, device or job). */
  byVehicle = new Map<string, Track>();
  byDevice = new Map<string, Track>();
  byJob = new Map<string, Track>();

  constructor(rule: R, text: Describer<R>, updatesValue: boolean) {
    this.rule = rule;
    this.id = rule.id;
    this.kind = rule.kind;
    this.severity = rule.severity;
    this.holdMs = (rule.minDurationS ?? ALERT_RULE_DEFAULTS.minDurationS) * 1000;
    this.cooldownMs = (rule.cooldownS ?? ALERT_RULE_DEFAULTS.cooldownS) * 1000;
    const ids = rule.appliesTo?.vehicleIds;
    this.vehicles = ids ? new Set(ids) : null;
    this.updatesValue = updatesValue;
    this.text = text;
    this.conditionKey = conditionKeyOf(rule);
  }

  appliesTo(vehicleId: string | undefined): boolean {
    return this.vehicles === null || (vehicleId !== undefined && this.vehicles.has(vehicleId));
  }

  *tracks(): IterableIterator<[Map<string, Track>, string, Track]> {
    for (const map of [this.byVehicle, this.byDevice, this.byJob]) for (const [key, t] of map) yield [map, key, t];
  }
}

/** The rule minus presentation and timing fields, keys sorted so a database round trip does not change it. */
function conditionKeyOf(rule: AlertRule): string {
  const { id: _id, name: _name, enabled: _enabled, severity: _severity, minDurationS: _min, cooldownS: _cool, ...condition } = rule;
  return canonicalJson(condition);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).sort().join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

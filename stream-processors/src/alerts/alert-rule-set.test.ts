import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_RULE_KINDS, checkAlertRuleSet, MAX_ALERT_RULES } from '@fieldtrace/protocol';
import { stepAlertPosition } from './alert-core.js';
import { fixAt, harness, summary } from './alert-fixtures.js';

/** A tenant's rule document as an operator would write it (PUT /v1/alert-rules), one rule of each kind. */
const DOCUMENT = `[
  { "id": "speed-yard", "kind": "speeding", "name": "Speeding", "severity": "warning", "useFenceLimits": true, "limitKmh": 90, "minDurationS": 10 },
  { "id": "idle", "kind": "idling", "name": "Idling over 10 min", "severity": "info", "maxIdleS": 600, "ptoSensor": "pto" },
  { "id": "silent", "kind": "offline", "name": "Tracker offline", "severity": "critical", "maxSilenceS": 900, "cooldownS": 0 },
  { "id": "drone-low", "kind": "drone_battery", "name": "Drone battery low", "severity": "critical", "minPct": 25 },
  { "id": "spread", "kind": "sensor_threshold", "name": "Spreader rate out of band", "severity": "warning",
    "sensor": "spread_rate_gm2", "above": 40, "below": 10, "appliesTo": { "vehicleIds": ["gritter-1", "gritter-2"] } },
  { "id": "geo", "kind": "leave_area", "name": "Left the depot", "severity": "info", "geofenceId": "depot", "enabled": false },
  { "id": "late", "kind": "eta_slip", "name": "Running late", "severity": "warning", "maxSlipS": 900 }
]`;

test('a rule document with every kind passes, and the core accepts what passed', () => {
  const result = checkAlertRuleSet(JSON.parse(DOCUMENT));
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  assert.deepEqual(new Set(result.rules.map((r) => r.kind)), new Set(ALERT_RULE_KINDS));
  const h = harness(result.rules);
  assert.equal(h.state.tenants.get('t1')!.rules.size, 6, 'the disabled rule is not evaluated');
});

const rule = { id: 'r1', kind: 'speeding', name: 'Speeding', severity: 'warning', useFenceLimits: false, limitKmh: 90 };

for (const [what, doc, expected] of [
  ['a field of the wrong type', [rule, { ...rule, id: 'r2', limitKmh: 'fast' }], /^\/1\/limitKmh: /],
  ['a missing required field', [{ ...rule, useFenceLimits: undefined }], /^\/0\/useFenceLimits: /],
  ['a misspelt field', [{ ...rule, minDuration: 30 }], /^\/0\/minDuration: /],
  ['an unknown kind', [{ ...rule, kind: 'speed' }], /^\/0\/kind: expected one of speeding, idling/],
  ['a bad id', [{ ...rule, id: 'has space' }], /^\/0\/id: /],
  ['a negative duration', [{ ...rule, cooldownS: -5 }], /^\/0\/cooldownS: /],
  ['a bad severity', [{ ...rule, severity: 'urgent' }], /^\/0\/severity: /],
  ['a vehicle list of bad ids', [{ ...rule, appliesTo: { vehicleIds: ['ok', 'not/ok'] } }], /^\/0\/appliesTo\/vehicleIds\/1: /],
  ['a duplicate id', [rule, { ...rule }], /^\/1\/id: "r1" is already the id of rule \/0/],
  ['a speeding rule with no limit at all', [{ ...rule, limitKmh: undefined }], /^\/0\/limitKmh: required unless useFenceLimits/],
  ['a sensor rule with no bound', [{ id: 's', kind: 'sensor_threshold', name: 'x', severity: 'info', sensor: 'temp' }], /^\/0\/above: /],
  ['a sensor band upside down', [{ id: 's', kind: 'sensor_threshold', name: 'x', severity: 'info', sensor: 'temp', above: 5, below: 10 }], /^\/0\/below: must be less than above/],
  ['a document that is not an array', { rules: [rule] }, /^\/: expected an array/],
  ['too many rules', Array.from({ length: MAX_ALERT_RULES + 1 }, (_, i) => ({ ...rule, id: `r${i}` })), /^\/: 201 rules, at most 200/],
] as const) {
  test(`the rule document is rejected for ${what}, naming the field`, () => {
    const result = checkAlertRuleSet(JSON.parse(JSON.stringify(doc)));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.errors.some((e) => expected.test(e)), `${expected} in ${!result.ok && result.errors.join(' | ')}`);
  });
}

test('omitted fields take their documented defaults: enabled, no minimum duration, a 300 s cooldown', () => {
  const checked = checkAlertRuleSet([{ id: 'r1', kind: 'speeding', name: 'Speeding', severity: 'warning', useFenceLimits: false, limitKmh: 90 }]);
  assert.ok(checked.ok);
  const h = harness(checked.rules);
  stepAlertPosition(h.state, fixAt(0, 100), h.out);
  stepAlertPosition(h.state, fixAt(1, 50), h.out);
  stepAlertPosition(h.state, fixAt(299, 100), h.out);
  stepAlertPosition(h.state, fixAt(300, 50), h.out);
  stepAlertPosition(h.state, fixAt(601, 100), h.out);
  assert.deepEqual(summary(h.take()), ['raised:open', 'cleared:cleared', 'reopened:open', 'cleared:cleared', 'raised:open']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertId, parseAlertId } from '@fieldtrace/protocol';
import {
  acknowledgeAlert,
  activeAlerts,
  restoreAlerts,
  setAlertRules,
  stepAlertPosition,
  tickAlerts,
  createAlertState,
} from './alert-core.js';
import { at, fixAt, harness, speedingRule, summary, TENANT } from './alert-fixtures.js';

/** Speeding at 1 Hz, the shape every kind shares: `kmh` for each second from `from`. */
function drive(h: ReturnType<typeof harness>, from: number, speeds: readonly number[]): void {
  speeds.forEach((kmh, i) => stepAlertPosition(h.state, fixAt(from + i, kmh), h.out));
}
const repeat = (kmh: number, n: number) => Array.from({ length: n }, () => kmh);

test('a 5 s spike does not raise a 30 s rule; 30 s over the limit does, opened when the 30 s were up', () => {
  const h = harness([speedingRule({ minDurationS: 30 })]);
  drive(h, 0, [...repeat(100, 5), ...repeat(80, 10)]);
  assert.deepEqual(h.take(), []);

  drive(h, 100, repeat(100, 31));
  const [raised, ...rest] = h.take();
  assert.deepEqual(rest, []);
  assert.equal(raised!.change, 'raised');
  assert.equal(raised!.alert.openedAt, at(130));
  assert.equal(raised!.alert.status, 'open');
  assert.equal(raised!.alert.value, 100);
  assert.equal(raised!.alert.threshold, 90);
  assert.deepEqual(raised!.alert.subject, { vehicleId: 'v1', deviceId: 'd1' });
  assert.equal(raised!.alert.id, alertId('speed', 'v', 'v1', at(130)));
  assert.equal(raised!.alert.message, 'Vehicle v1 at 100 km/h, over its 90 km/h limit');
});

test('tick raises a condition that has held its minimum duration with no further input, under the id an input would have given', () => {
  const byTick = harness([speedingRule({ minDurationS: 30 })]);
  stepAlertPosition(byTick.state, fixAt(0, 120), byTick.out);
  tickAlerts(byTick.state, at(29), byTick.out);
  assert.deepEqual(byTick.take(), []);
  tickAlerts(byTick.state, at(47), byTick.out);
  const [fromTick] = byTick.take();

  const byInput = harness([speedingRule({ minDurationS: 30 })]);
  stepAlertPosition(byInput.state, fixAt(0, 120), byInput.out);
  stepAlertPosition(byInput.state, fixAt(40, 120), byInput.out);
  const [fromInput] = byInput.take();

  assert.equal(fromTick!.change, 'raised');
  assert.equal(fromTick!.alert.id, fromInput!.alert.id);
  assert.equal(fromTick!.alert.openedAt, at(30));
});

test('one open alert per rule and subject: updates come at most every updateIntervalS, and only when the value moved', () => {
  const h = harness([speedingRule()], { updateIntervalS: 60 });
  drive(h, 0, [...repeat(100, 30), ...repeat(110, 50), ...repeat(110, 60)]);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'updated:open']);
  assert.equal(changes[1]!.alert.updatedAt, at(60), 'the first update waits out the interval from the raise');
  assert.equal(changes[1]!.alert.value, 110);
  assert.equal(new Set(changes.map((c) => c.alert.id)).size, 1);
  assert.equal(activeAlerts(h.state, TENANT).length, 1);
});

test('the condition ending clears the alert at that input, and the alert keeps its id', () => {
  const h = harness([speedingRule()]);
  drive(h, 0, [100, 100, 60]);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[1]!.alert.clearedAt, at(2));
  assert.equal(changes[1]!.alert.id, changes[0]!.alert.id);
  assert.deepEqual(activeAlerts(h.state, TENANT), []);
});

test('within cooldown the cleared alert re-opens under its id; after cooldown a new alert is raised', () => {
  const h = harness([speedingRule({ cooldownS: 300 })]);
  drive(h, 0, [100, 60]);
  drive(h, 200, [100, 60]); // 199 s after clearing
  drive(h, 600, [100]); // 400 s after the second clearing
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared', 'reopened:open', 'cleared:cleared', 'raised:open']);
  const ids = changes.map((c) => c.alert.id);
  assert.equal(new Set(ids.slice(0, 4)).size, 1);
  assert.notEqual(ids[4], ids[0]);
  assert.equal(changes[2]!.alert.clearedAt, undefined);
  assert.equal(changes[2]!.alert.openedAt, at(0));
});

test('acknowledging keeps the alert open until the condition ends; a re-trigger within cooldown comes back acknowledged, not duplicated', () => {
  const h = harness([speedingRule({ cooldownS: 300 })]);
  drive(h, 0, [100]);
  const id = h.take()[0]!.alert.id;

  const acked = acknowledgeAlert(h.state, TENANT, id, 'dispatcher@example.com', at(5), h.out);
  assert.equal(acked?.status, 'acknowledged');
  assert.equal(acked?.acknowledgedBy, 'dispatcher@example.com');
  assert.equal(acked?.acknowledgedAt, at(5));
  assert.deepEqual(summary(h.take()), ['acknowledged:acknowledged']);

  assert.equal(acknowledgeAlert(h.state, TENANT, id, 'someone-else', at(6), h.out)?.acknowledgedBy, 'dispatcher@example.com');
  assert.deepEqual(h.take(), [], 'a second acknowledgement is a no-op');

  drive(h, 10, [100, 100, 60]);
  drive(h, 100, [100]);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['cleared:cleared', 'reopened:acknowledged']);
  assert.ok(changes.every((c) => c.alert.id === id));
  assert.equal(activeAlerts(h.state, TENANT).length, 1);
});

test('acknowledging an id the core does not hold returns undefined', () => {
  const h = harness([speedingRule()]);
  assert.equal(acknowledgeAlert(h.state, TENANT, alertId('speed', 'v', 'v1', at(0)), 'x', at(1)), undefined);
  assert.equal(acknowledgeAlert(h.state, TENANT, 'not-an-alert-id', 'x', at(1)), undefined);
  assert.equal(acknowledgeAlert(h.state, 'other-tenant', alertId('speed', 'v', 'v1', at(0)), 'x', at(1)), undefined);
});

test('rules replaced at runtime: a new threshold clears open alerts, a rename keeps them, removal clears the rest', () => {
  const h = harness([speedingRule({ id: 'a', limitKmh: 90 }), speedingRule({ id: 'b', limitKmh: 80 })]);
  drive(h, 0, [100]);
  assert.deepEqual(summary(h.take()), ['raised:open', 'raised:open']);

  setAlertRules(h.state, TENANT, [speedingRule({ id: 'a', limitKmh: 90, name: 'Renamed', severity: 'critical' }), speedingRule({ id: 'b', limitKmh: 120 })], at(10), h.out);
  const replaced = h.take();
  assert.deepEqual(replaced.map((c) => `${c.change}:${c.alert.ruleId}`), ['cleared:b']);
  assert.equal(replaced[0]!.alert.clearedAt, at(10));

  drive(h, 11, [100]);
  assert.deepEqual(h.take(), [], 'rule a kept its open alert; rule b at 120 km/h is not triggered');
  drive(h, 80, [101]);
  const [update] = h.take();
  assert.equal(update?.change, 'updated');
  assert.equal(update?.alert.severity, 'critical', 'the new severity reaches the alert on its next update');

  setAlertRules(h.state, TENANT, [speedingRule({ id: 'b', limitKmh: 120, enabled: true })], at(90), h.out);
  assert.deepEqual(h.take().map((c) => `${c.change}:${c.alert.ruleId}`), ['cleared:a']);
  setAlertRules(h.state, TENANT, [speedingRule({ id: 'b', limitKmh: 120, enabled: false })], at(91), h.out);
  drive(h, 100, [200]);
  assert.deepEqual(h.take(), [], 'a disabled rule raises nothing');
});

test('restored after a restart, an acknowledged alert stays acknowledged and clears when its condition ends', () => {
  const before = harness([speedingRule()]);
  drive(before, 0, [100]);
  const id = before.take()[0]!.alert.id;
  const stored = acknowledgeAlert(before.state, TENANT, id, 'ops', at(3))!;

  const after = harness([speedingRule()]);
  assert.equal(restoreAlerts(after.state, TENANT, [stored]), 1);
  drive(after, 20, [100]);
  assert.deepEqual(after.take(), [], 'still speeding: no duplicate, no update within the interval');
  drive(after, 21, [50]);
  const [cleared] = after.take();
  assert.equal(cleared?.change, 'cleared');
  assert.equal(cleared?.alert.id, id);
  assert.equal(cleared?.alert.acknowledgedBy, 'ops');
});

test('an input older than the last one applied to the subject is ignored', () => {
  const h = harness([speedingRule()]);
  drive(h, 10, [100]);
  drive(h, 5, [50]);
  assert.deepEqual(summary(h.take()), ['raised:open']);
  assert.equal(h.state.counters.staleIgnored, 1);
});

test('inputs that change nothing append nothing and keep no per-subject state', () => {
  const h = harness([speedingRule()]);
  for (let s = 0; s < 1000; s++) stepAlertPosition(h.state, fixAt(s, 50, { deviceId: `d${s % 50}`, vehicleId: `v${s % 50}` }), h.out);
  assert.deepEqual(h.take(), []);
  const rule = h.state.tenants.get(TENANT)!.rules.get('speed')!;
  assert.equal(rule.byVehicle.size + rule.byDevice.size, 0);
});

test('a tenant without rules is ignored', () => {
  const state = createAlertState();
  const out: never[] = [];
  assert.equal(stepAlertPosition(state, fixAt(0, 300), out), 0);
  assert.equal(tickAlerts(state, at(1000), out), 0);
});

test('tick forgets a cleared subject once its cooldown has passed, and not before', () => {
  const h = harness([speedingRule({ cooldownS: 300 })]);
  drive(h, 0, [100, 50]);
  const rule = h.state.tenants.get(TENANT)!.rules.get('speed')!;
  tickAlerts(h.state, at(200), h.out);
  assert.equal(rule.byVehicle.size, 1);
  tickAlerts(h.state, at(302), h.out);
  assert.equal(rule.byVehicle.size, 0);
  drive(h, 400, [100]);
  assert.deepEqual(summary(h.take()), ['raised:open', 'cleared:cleared', 'raised:open']);
});

test('an alert whose subject has sent nothing for forgetAfterS clears: its condition is no longer known', () => {
  const h = harness([speedingRule()], { forgetAfterS: 3600 });
  drive(h, 0, [100]);
  tickAlerts(h.state, at(3599), h.out);
  tickAlerts(h.state, at(3600), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[1]!.alert.clearedAt, at(3600));
});

test('alert ids are deterministic and parse back into rule, subject and opening time', () => {
  const id = alertId('speed-50', 'v', 'truck_12', at(30));
  assert.deepEqual(parseAlertId(id), { ruleId: 'speed-50', subjectKind: 'v', subjectId: 'truck_12', openedAt: at(30) });
  assert.equal(parseAlertId('speed.x.v1.1'), null);
  assert.equal(parseAlertId('speed.v..1'), null);
});

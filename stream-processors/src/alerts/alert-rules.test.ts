import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon } from '@fieldtrace/protocol';
import {
  restoreAlerts,
  stepAlertDrone,
  stepAlertEta,
  stepAlertIdle,
  stepAlertJobEnded,
  stepAlertPosition,
  stepAlertSensor,
  stepAlertStatus,
  tickAlerts,
  type AlertIdleInput,
  type AlertSensorInput,
} from './alert-core.js';
import {
  at,
  droneBatteryRule,
  etaSlipRule,
  fixAt,
  harness,
  idlingRule,
  LAT,
  leaveAreaRule,
  LON,
  offlineRule,
  sensorRule,
  speedingRule,
  summary,
  TENANT,
} from './alert-fixtures.js';

// ── speeding ─────────────────────────────────────────────────────────────────────────────────────────────────

test('speeding: the limit of the fence the vehicle is in beats the vehicle limit', () => {
  const h = harness([speedingRule({ limitKmh: 90 })]);
  stepAlertPosition(h.state, fixAt(0, 50, { speedLimitKmh: 30, insideFences: ['g-school'] }), h.out);
  stepAlertPosition(h.state, fixAt(1, 50, { speedLimitKmh: null, insideFences: [] }), h.out);
  stepAlertPosition(h.state, fixAt(2, 78), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[0]!.alert.threshold, 30);
  assert.equal(changes[0]!.alert.message, 'Vehicle v1 at 50 km/h in a 30 km/h zone');
});

test('speeding: a fence limit above the vehicle limit also wins (a 100 km/h road for a truck limited to 90)', () => {
  const h = harness([speedingRule({ limitKmh: 90 })]);
  stepAlertPosition(h.state, fixAt(0, 95, { speedLimitKmh: 100 }), h.out);
  assert.deepEqual(h.take(), []);
});

test('speeding: a rule that does not use fence limits ignores them, and one with no limit in force never fires', () => {
  const vehicleOnly = harness([speedingRule({ limitKmh: 90, useFenceLimits: false })]);
  stepAlertPosition(vehicleOnly.state, fixAt(0, 50, { speedLimitKmh: 30 }), vehicleOnly.out);
  assert.deepEqual(vehicleOnly.take(), []);

  const fenceOnly = harness([speedingRule({ limitKmh: undefined, useFenceLimits: true })]);
  stepAlertPosition(fenceOnly.state, fixAt(0, 200), fenceOnly.out);
  stepAlertPosition(fenceOnly.state, fixAt(1, 40, { speedLimitKmh: 30 }), fenceOnly.out);
  assert.deepEqual(summary(fenceOnly.take()), ['raised:open']);
});

test('speeding: fixes without a reported speed are measured from the distance between them', () => {
  const h = harness([speedingRule({ limitKmh: 50 })]);
  // 10 s apart: 100 m is 36 km/h, 200 m is 72 km/h.
  const points = [0, 100, 300].map((m) => offsetLatLon(LAT, LON, 90, m));
  points.forEach(([lat, lon], i) => stepAlertPosition(h.state, fixAt(i * 10, undefined, { lat, lon }), h.out));
  const [raised] = h.take();
  assert.equal(raised?.change, 'raised');
  assert.ok(Math.abs(raised!.alert.value! - 72) < 0.5, `${raised!.alert.value} km/h`);
  assert.equal(raised!.alert.openedAt, at(20));
});

test('appliesTo: a rule for some vehicles ignores the others and devices on no vehicle', () => {
  const h = harness([speedingRule({ appliesTo: { vehicleIds: ['v2'] } })]);
  stepAlertPosition(h.state, fixAt(0, 150), h.out);
  stepAlertPosition(h.state, fixAt(0, 150, { deviceId: 'loose', vehicleId: undefined }), h.out);
  stepAlertPosition(h.state, fixAt(0, 150, { deviceId: 'd2', vehicleId: 'v2' }), h.out);
  const changes = h.take();
  assert.deepEqual(changes.map((c) => c.alert.subject.vehicleId), ['v2']);
});

test('subjectName gives messages the names people use', () => {
  const h = harness([speedingRule({ limitKmh: 90 })], { subjectName: (_t, s) => (s.vehicleId === 'v1' ? 'Truck 12' : undefined) });
  stepAlertPosition(h.state, fixAt(0, 78, { speedLimitKmh: 50 }), h.out);
  assert.equal(h.take()[0]!.alert.message, 'Truck 12 at 78 km/h in a 50 km/h zone');
});

// ── idling ──────────────────────────────────────────────────────────────────────────────────────────────────

const idle = (s: number, isIdle: boolean, extra: Partial<AlertIdleInput> = {}): AlertIdleInput => ({
  tenantId: TENANT,
  deviceId: 'd1',
  vehicleId: 'v1',
  ts: at(s),
  idle: isIdle,
  ...extra,
});
const sensor = (s: number, readings: AlertSensorInput['readings'], extra: Partial<AlertSensorInput> = {}): AlertSensorInput => ({
  tenantId: TENANT,
  deviceId: 'd1',
  vehicleId: 'v1',
  ts: at(s),
  readings,
  ...extra,
});

test('idling: raised by tick once idle longer than maxIdleS plus minDurationS, cleared with the total idle time', () => {
  const h = harness([idlingRule({ maxIdleS: 300, minDurationS: 60 })]);
  stepAlertIdle(h.state, idle(0, true), h.out);
  tickAlerts(h.state, at(359), h.out);
  assert.deepEqual(h.take(), []);
  tickAlerts(h.state, at(365), h.out);
  tickAlerts(h.state, at(900), h.out);
  stepAlertIdle(h.state, idle(1260, false), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[0]!.alert.openedAt, at(360));
  assert.equal(changes[0]!.alert.message, 'Vehicle v1 idling for 6 min (allowed 5 min)');
  assert.equal(changes[1]!.alert.value, 1260);
  assert.equal(changes[1]!.alert.message, 'Vehicle v1 idled for 21 min (allowed 5 min)');
});

test('idling: the PTO in use suppresses it, and engaging the PTO ends an idling alert', () => {
  const h = harness([idlingRule({ maxIdleS: 300 })]);
  stepAlertSensor(h.state, sensor(0, [{ name: 'pto', value: true }]), h.out);
  stepAlertIdle(h.state, idle(1, true), h.out);
  tickAlerts(h.state, at(3600), h.out);
  assert.deepEqual(h.take(), [], 'an hour pumping with the PTO engaged is work');

  stepAlertSensor(h.state, sensor(3601, [{ name: 'pto', value: false }]), h.out);
  tickAlerts(h.state, at(3900), h.out);
  assert.deepEqual(h.take(), [], 'idle for 299 s since the PTO stopped');
  tickAlerts(h.state, at(3901), h.out);
  stepAlertSensor(h.state, sensor(4000, [{ name: 'pto', value: 1 }]), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[0]!.alert.openedAt, at(3901));
});

test('idling: the PTO sensor may be on another device of the vehicle and have another name', () => {
  const h = harness([idlingRule({ maxIdleS: 60, ptoSensor: 'hydraulics' })]);
  stepAlertSensor(h.state, sensor(0, [{ name: 'pto', value: true }], { deviceId: 'sensor-box' }), h.out);
  stepAlertIdle(h.state, idle(0, true), h.out);
  tickAlerts(h.state, at(61), h.out);
  assert.deepEqual(summary(h.take()), ['raised:open'], 'a reading named pto is not this rule\'s PTO');

  stepAlertSensor(h.state, sensor(70, [{ name: 'hydraulics', value: 3.5 }], { deviceId: 'sensor-box' }), h.out);
  assert.deepEqual(summary(h.take()), ['cleared:cleared']);
});

test('idling: ignition off ends it', () => {
  const h = harness([idlingRule({ maxIdleS: 60 })]);
  stepAlertIdle(h.state, idle(0, true), h.out);
  tickAlerts(h.state, at(100), h.out);
  stepAlertStatus(h.state, { tenantId: TENANT, deviceId: 'd1', vehicleId: 'v1', ts: at(130), ignition: false }, h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[1]!.alert.value, 130);
});

test('idling: an alert restored after a restart clears, with its whole duration, when the vehicle moves off', () => {
  const before = harness([idlingRule({ maxIdleS: 300 })]);
  stepAlertIdle(before.state, idle(0, true), before.out);
  tickAlerts(before.state, at(310), before.out);
  const [raised] = before.take();

  const after = harness([idlingRule({ maxIdleS: 300 })]);
  assert.equal(restoreAlerts(after.state, TENANT, [raised!.alert]), 1);
  tickAlerts(after.state, at(900), after.out);
  stepAlertIdle(after.state, idle(1200, false), after.out);
  const changes = after.take();
  assert.deepEqual(summary(changes), ['cleared:cleared']);
  assert.equal(changes[0]!.alert.id, raised!.alert.id);
  assert.equal(changes[0]!.alert.value, 1200);
});

// ── offline ─────────────────────────────────────────────────────────────────────────────────────────────────

test('offline: tick raises it after maxSilenceS without a message; the next message clears it with the length of the silence', () => {
  const h = harness([offlineRule({ maxSilenceS: 600 })]);
  stepAlertStatus(h.state, { tenantId: TENANT, deviceId: 'd1', vehicleId: 'v1', ts: at(0) }, h.out);
  stepAlertPosition(h.state, fixAt(100, 40), h.out);
  tickAlerts(h.state, at(699), h.out);
  assert.deepEqual(h.take(), []);
  tickAlerts(h.state, at(705), h.out);
  tickAlerts(h.state, at(1500), h.out);
  stepAlertSensor(h.state, sensor(2000, [{ name: 'fuel_pct', value: 40 }]), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.deepEqual(changes[0]!.alert.subject, { deviceId: 'd1', vehicleId: 'v1' });
  assert.equal(changes[0]!.alert.openedAt, at(700));
  assert.equal(changes[0]!.alert.message, 'Device d1 silent for 10 min (allowed 10 min)');
  assert.equal(changes[1]!.alert.value, 1900);
  assert.equal(changes[1]!.alert.message, 'Device d1 was silent for 32 min');
});

test('offline: liveness follows receivedAt, so a backlog of old fixes clears it and does not re-raise it', () => {
  const h = harness([offlineRule({ maxSilenceS: 600 })]);
  stepAlertPosition(h.state, fixAt(0, 40), h.out);
  tickAlerts(h.state, at(3600), h.out);
  stepAlertPosition(h.state, fixAt(10, 40, { receivedAt: at(3610) }), h.out);
  tickAlerts(h.state, at(3620), h.out);
  assert.deepEqual(summary(h.take()), ['raised:open', 'cleared:cleared']);
});

test('offline: derived inputs (idle, ETA) are not signs of life', () => {
  const h = harness([offlineRule({ maxSilenceS: 60 }), idlingRule()]);
  stepAlertPosition(h.state, fixAt(0, 0), h.out);
  tickAlerts(h.state, at(61), h.out);
  stepAlertIdle(h.state, idle(62, true), h.out);
  stepAlertEta(h.state, { tenantId: TENANT, vehicleId: 'v1', deviceId: 'd1', jobId: 'j1', ts: at(63), eta: at(900) }, h.out);
  assert.deepEqual(summary(h.take()), ['raised:open']);
});

// ── drone battery ───────────────────────────────────────────────────────────────────────────────────────────

test('drone battery: raised below minPct, updated as it drains, cleared after a swap', () => {
  const h = harness([droneBatteryRule({ minPct: 25 })], { updateIntervalS: 30 });
  const drone = (s: number, batteryPct?: number) => ({ tenantId: TENANT, deviceId: 'drone-7', ts: at(s), ...(batteryPct === undefined ? {} : { batteryPct }) });
  for (const [s, pct] of [[0, 30], [10, 24], [20, 22], [40, 19], [50, undefined], [60, 95]] as const) stepAlertDrone(h.state, drone(s, pct), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'updated:open', 'cleared:cleared']);
  assert.deepEqual(changes.map((c) => c.alert.value), [24, 19, 19]);
  assert.deepEqual(changes[0]!.alert.subject, { deviceId: 'drone-7' });
  assert.equal(changes[0]!.alert.message, 'Device drone-7 battery at 24% (minimum 25%)');
});

// ── sensor thresholds ───────────────────────────────────────────────────────────────────────────────────────

test('sensor threshold: above raises, a message without that sensor changes nothing, back in range clears', () => {
  const h = harness([sensorRule({ sensor: 'engine_temp_c', above: 105, minDurationS: 20 })]);
  stepAlertSensor(h.state, sensor(0, [{ name: 'engine_temp_c', value: 110 }]), h.out);
  stepAlertSensor(h.state, sensor(10, [{ name: 'fuel_pct', value: 40 }]), h.out);
  stepAlertSensor(h.state, sensor(20, [{ name: 'fuel_pct', value: 40 }, { name: 'engine_temp_c', value: 112 }]), h.out);
  stepAlertSensor(h.state, sensor(30, [{ name: 'engine_temp_c', value: 95 }]), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[0]!.alert.message, 'Vehicle v1: engine_temp_c at 112, above 105');
});

test('sensor threshold: with both bounds, anything outside the band alerts (spreader rate), booleans count as 0/1', () => {
  const h = harness([sensorRule({ id: 'rate', sensor: 'spread_rate_gm2', above: 40, below: 10 }), sensorRule({ id: 'door', sensor: 'door_open', above: 0.5 })]);
  stepAlertSensor(h.state, sensor(0, [{ name: 'spread_rate_gm2', value: 25 }, { name: 'door_open', value: false }]), h.out);
  stepAlertSensor(h.state, sensor(1, [{ name: 'spread_rate_gm2', value: 5 }, { name: 'door_open', value: true }]), h.out);
  stepAlertSensor(h.state, sensor(2, [{ name: 'spread_rate_gm2', value: 55 }]), h.out);
  const changes = h.take();
  assert.deepEqual(changes.map((c) => `${c.change}:${c.alert.ruleId}:${c.alert.threshold}`), ['raised:rate:10', 'raised:door:0.5']);
});

// ── leaving an allowed area ─────────────────────────────────────────────────────────────────────────────────

test('leave area: outside its fence raises, back inside clears, a fix with unknown fence membership changes nothing', () => {
  const h = harness([leaveAreaRule({ geofenceId: 'g-yard', minDurationS: 30 })]);
  stepAlertPosition(h.state, fixAt(0, 10, { insideFences: ['g-yard'] }), h.out);
  stepAlertPosition(h.state, fixAt(10, 10, { insideFences: ['g-road'] }), h.out);
  stepAlertPosition(h.state, fixAt(25, 10), h.out);
  stepAlertPosition(h.state, fixAt(40, 10, { insideFences: [] }), h.out);
  stepAlertPosition(h.state, fixAt(50, 10, { insideFences: ['g-road', 'g-yard'] }), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.equal(changes[0]!.alert.openedAt, at(40));
  assert.equal(changes[0]!.alert.message, 'Vehicle v1 is outside its allowed area g-yard');
});

// ── ETA slip ────────────────────────────────────────────────────────────────────────────────────────────────

const eta = (s: number, etaS: number, windowEndS?: number | null) => ({
  tenantId: TENANT,
  vehicleId: 'v1',
  jobId: 'j1',
  ts: at(s),
  eta: at(etaS),
  ...(windowEndS === undefined ? {} : { windowEnd: windowEndS === null ? null : at(windowEndS) }),
});

test('ETA slip: against the window end when the job has one', () => {
  const h = harness([etaSlipRule({ maxSlipS: 900 })]);
  stepAlertEta(h.state, eta(0, 3000, 3600), h.out); // 10 min early
  stepAlertEta(h.state, eta(60, 4500, 3600), h.out); // 15 min late: not more than allowed
  stepAlertEta(h.state, eta(120, 5100, 3600), h.out); // 25 min late
  stepAlertEta(h.state, eta(180, 4000, 3600), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open', 'cleared:cleared']);
  assert.deepEqual(changes[0]!.alert.subject, { jobId: 'j1', vehicleId: 'v1' });
  assert.equal(changes[0]!.alert.value, 1500);
  assert.equal(changes[0]!.alert.message, 'Job j1 expected 25 min after its window ends');
});

test('ETA slip: against the first ETA seen when the job has no window', () => {
  const h = harness([etaSlipRule({ maxSlipS: 600 })]);
  stepAlertEta(h.state, eta(0, 3600, null), h.out);
  stepAlertEta(h.state, eta(60, 4200, null), h.out); // 10 min behind the first estimate: not more than allowed
  stepAlertEta(h.state, eta(120, 4500, null), h.out);
  const changes = h.take();
  assert.deepEqual(summary(changes), ['raised:open']);
  assert.equal(changes[0]!.alert.value, 900);
  assert.equal(changes[0]!.alert.message, 'Job j1 expected 15 min later than first estimated');
});

test('ETA slip: the job ending clears its alert and forgets its baseline', () => {
  const h = harness([etaSlipRule({ maxSlipS: 600 })]);
  stepAlertEta(h.state, eta(0, 3600), h.out);
  stepAlertEta(h.state, eta(60, 5000), h.out);
  stepAlertJobEnded(h.state, { tenantId: TENANT, jobId: 'j1', ts: at(4990) }, h.out);
  assert.deepEqual(summary(h.take()), ['raised:open', 'cleared:cleared']);
  assert.equal(h.state.tenants.get(TENANT)!.rules.get('late')!.byJob.size, 0);
});

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALERT_RULE_DEFAULTS, alertId, busFilter, type Alert, type AlertChange, type AlertRule, type EntityChanged, type TimesheetEntry, type TripEvent,
} from '@fieldtrace/protocol';
import { openHarness, recordBus, type Harness } from '../test-support/harness.js';

// Alerts, timesheets and trips are written by the stream processors; these tests store rows the way they do
// and check what the API makes of them.
let h: Harness;
const T0 = Date.UTC(2025, 5, 2, 7, 0, 0);
const MIN = 60_000;

before(async () => {
  h = await openHarness();
});
after(() => h.close());

describe('alert rules', () => {
  let admin: string;
  let analyst: string;
  const speeding: AlertRule = {
    id: 'speed', kind: 'speeding', name: 'Speeding', severity: 'warning', useFenceLimits: true, limitKmh: 90, minDurationS: 10,
  };
  const idling: AlertRule = { id: 'idle', kind: 'idling', name: 'Idling', severity: 'info', maxIdleS: 600 };
  // Responses spell out what an omitted optional field means (the schema defaults), so a reader sees the rule in force.
  const { enabled, minDurationS, cooldownS, ptoSensor } = ALERT_RULE_DEFAULTS;
  const speedingInForce = { enabled, cooldownS, ...speeding };
  const idlingInForce = { enabled, minDurationS, cooldownS, ptoSensor, ...idling };
  before(async () => {
    admin = await h.tenant('rules');
    analyst = await h.key(admin, 'analyst');
  });

  test('a tenant without rules has none; a PUT stores the document, announces it, and readers see it', async () => {
    assert.deepEqual((await h.call('GET', '/v1/alert-rules', analyst)).json(), []);
    const changed = await recordBus<EntityChanged>(h.bus, busFilter('changed', 'rules'));
    const put = await h.call('PUT', '/v1/alert-rules', admin, [speeding, idling]);
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), [speedingInForce, idlingInForce]);
    assert.deepEqual((await h.call('GET', '/v1/alert-rules', analyst)).json(), [speedingInForce, idlingInForce]);
    assert.deepEqual(changed.messages.map((m) => m.message), [{ v: 1, tenantId: 'rules', entity: 'alert_rules', id: 'rules', op: 'upsert' }]);

    assert.equal((await h.call('PUT', '/v1/alert-rules', admin, [idling])).statusCode, 200);
    assert.deepEqual((await h.call('GET', '/v1/alert-rules', analyst)).json(), [idlingInForce], 'a PUT replaces the whole document');
    await changed.stop();
  });

  test('an invalid rule is a 400 naming the rule and field; nothing is stored or announced', async () => {
    const changed = await recordBus<EntityChanged>(h.bus, busFilter('changed', 'rules'));
    const noLimit = await h.call('PUT', '/v1/alert-rules', admin, [idling, { ...speeding, useFenceLimits: false, limitKmh: undefined }]);
    assert.equal(noLimit.statusCode, 400);
    assert.equal(noLimit.json().code, 'FT_VALIDATION');
    assert.match(noLimit.json().detail, /body\/1\/limitKmh/);

    const wrongField = await h.call('PUT', '/v1/alert-rules', admin, [{ ...idling, maxIdleS: 'ten minutes' }]);
    assert.equal(wrongField.statusCode, 400);
    assert.match(wrongField.json().detail, /body\/0\/maxIdleS/);

    const duplicate = await h.call('PUT', '/v1/alert-rules', admin, [idling, { ...speeding, id: 'idle' }]);
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.json().detail, /body\/1\/id/);

    assert.equal((await h.call('PUT', '/v1/alert-rules', analyst, [idling])).statusCode, 403, 'analysts only read');
    assert.deepEqual((await h.call('GET', '/v1/alert-rules', analyst)).json(), [idlingInForce]);
    assert.equal(changed.messages.length, 0);
    await changed.stop();
  });
});

describe('alerts', () => {
  let dispatcher: string;
  let analyst: string;

  function alert(ruleId: string, vehicleId: string, openedAt: number, status: Alert['status'] = 'open'): Alert {
    return {
      v: 1, id: alertId(ruleId, 'v', vehicleId, openedAt), tenantId: 'ops', ruleId, kind: 'speeding', severity: 'warning',
      subject: { vehicleId, deviceId: `${vehicleId}-gps` }, status, openedAt, updatedAt: openedAt,
      ...(status === 'cleared' ? { clearedAt: openedAt + MIN } : {}),
      value: 78, threshold: 50, message: `${vehicleId} at 78 km/h in a 50 km/h zone`,
    };
  }
  /** What the processors write: the alert in `data`, its lifecycle also as columns. */
  async function store(a: Alert) {
    await h.db.query(
      `INSERT INTO alerts (tenant_id, id, rule_id, kind, severity, status, device_id, vehicle_id, job_id, opened_at, updated_at, cleared_at, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0), to_timestamp($11 / 1000.0), $12::jsonb)`,
      [a.tenantId, a.id, a.ruleId, a.kind, a.severity, a.status, a.subject.deviceId ?? null, a.subject.vehicleId ?? null,
        a.openedAt, a.updatedAt, a.clearedAt ?? null, JSON.stringify(a)],
    );
  }
  const first = alert('speed', 'van-1', T0);
  const second = alert('speed', 'van-2', T0 + 10 * MIN);
  const cleared = alert('speed', 'van-1', T0 + 20 * MIN, 'cleared');

  before(async () => {
    const admin = await h.tenant('ops');
    dispatcher = await h.key(admin, 'dispatcher');
    analyst = await h.key(admin, 'analyst');
    for (const a of [first, second, cleared]) await store(a);
  });

  test('alerts are listed most recently changed first and filter by status, vehicle and since', async () => {
    const ids = async (query: string) => (await h.call('GET', `/v1/alerts${query}`, analyst)).json().map((a: Alert) => a.id);
    assert.deepEqual(await ids(''), [cleared.id, second.id, first.id]);
    assert.deepEqual(await ids('?status=open'), [second.id, first.id]);
    assert.deepEqual(await ids('?vehicleId=van-1'), [cleared.id, first.id]);
    assert.deepEqual(await ids(`?since=${T0 + 10 * MIN}`), [cleared.id, second.id]);
    assert.deepEqual(await ids('?limit=1'), [cleared.id]);
    assert.deepEqual((await h.call('GET', `/v1/alerts/${second.id}`, analyst)).json(), second);

    const badStatus = await h.call('GET', '/v1/alerts?status=snoozed', analyst);
    assert.equal(badStatus.statusCode, 400);
    assert.match(badStatus.json().detail, /querystring\/status/);
    assert.equal((await h.call('GET', `/v1/alerts/${alertId('speed', 'v', 'nobody', T0)}`, analyst)).statusCode, 404);
    assert.equal((await h.call('GET', '/v1/alerts/not-an-alert-id', analyst)).statusCode, 400);
  });

  test('acknowledging an open alert records who and when, announces it, and a repeat changes nothing', async () => {
    const alerts = await recordBus<AlertChange>(h.bus, busFilter('alert', 'ops'));
    const changed = await recordBus<EntityChanged>(h.bus, busFilter('changed', 'ops'));
    const ackAt = T0 + 30 * MIN;
    h.clock.set(ackAt);

    const res = await h.call('POST', `/v1/alerts/${first.id}/ack`, dispatcher);
    assert.equal(res.statusCode, 200);
    const acknowledged: Alert = { ...first, status: 'acknowledged', acknowledgedAt: ackAt, acknowledgedBy: 'dispatcher key', updatedAt: ackAt };
    assert.deepEqual(res.json(), acknowledged);
    assert.deepEqual((await h.call('GET', `/v1/alerts/${first.id}`, analyst)).json(), acknowledged);
    const [row] = await h.db.query<{ status: string; acknowledged_by: string; acknowledged_at: Date }>(
      'SELECT status, acknowledged_by, acknowledged_at FROM alerts WHERE tenant_id = $1 AND id = $2', ['ops', first.id],
    );
    assert.deepEqual([row?.status, row?.acknowledged_by, row?.acknowledged_at.getTime()], ['acknowledged', 'dispatcher key', ackAt]);
    assert.deepEqual(alerts.messages, [{ topic: 'ft/ops/bus/alert', message: { v: 1, change: 'acknowledged', alert: acknowledged } }]);
    assert.deepEqual(changed.messages.map((m) => m.message), [{ v: 1, tenantId: 'ops', entity: 'alert', id: first.id, op: 'upsert' }]);

    h.clock.advance(MIN);
    const again = await h.call('POST', `/v1/alerts/${first.id}/ack`, dispatcher);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().acknowledgedAt, ackAt, 'the first acknowledgement stands');
    assert.equal(alerts.messages.length + changed.messages.length, 2, 'nothing new to announce');
    await alerts.stop();
    await changed.stop();
  });

  test('a cleared alert cannot be acknowledged (409); unknown is 404; analysts may not acknowledge', async () => {
    const refused = await h.call('POST', `/v1/alerts/${cleared.id}/ack`, dispatcher);
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'FT_ALERT_CLEARED');
    assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    assert.equal((await h.call('GET', `/v1/alerts/${cleared.id}`, analyst)).json().status, 'cleared');
    assert.equal((await h.call('POST', `/v1/alerts/${alertId('speed', 'v', 'ghost', T0)}/ack`, dispatcher)).statusCode, 404);
    assert.equal((await h.call('POST', `/v1/alerts/${second.id}/ack`, analyst)).statusCode, 403);
    assert.equal((await h.call('GET', `/v1/alerts/${second.id}`, analyst)).json().status, 'open');
  });
});

describe('timesheets', () => {
  let analyst: string;
  const entry = (jobId: string, vehicleId: string, crewId: string | null, kind: TimesheetEntry['kind'], startedAt: number, seconds: number): TimesheetEntry => ({
    v: 1, id: `ts:${jobId}:${kind}:${startedAt}`, tenantId: 'books', jobId, vehicleId, crewId, kind, startedAt, endedAt: startedAt + seconds * 1000, seconds,
  });
  // Job a: van-1 (crew red) drives 20 min, is on site 45 min of which 5 idle. Job b: van-2 (no crew), the next hour.
  const entries = [
    entry('job-a', 'van-1', 'red', 'en_route', T0, 1200),
    entry('job-a', 'van-1', 'red', 'on_site', T0 + 20 * MIN, 2700),
    entry('job-a', 'van-1', 'red', 'idle', T0 + 30 * MIN, 300),
    entry('job-b', 'van-2', null, 'en_route', T0 + 60 * MIN, 600),
    entry('job-b', 'van-2', null, 'on_site', T0 + 70 * MIN, 1800),
  ];

  before(async () => {
    const admin = await h.tenant('books');
    analyst = await h.key(admin, 'analyst');
    await h.call('POST', '/v1/sites', admin, { id: 'house', name: 'House', location: [-1.5, 52.4] });
    for (const id of ['job-a', 'job-b', 'job-c']) await h.call('POST', '/v1/jobs', admin, { id, siteId: 'house', title: id });
    for (const e of entries) {
      await h.db.query(
        `INSERT INTO timesheet_entries (tenant_id, id, job_id, vehicle_id, crew_id, kind, started_at, ended_at, seconds)
         VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0), to_timestamp($8 / 1000.0), $9)`,
        [e.tenantId, e.id, e.jobId, e.vehicleId, e.crewId, e.kind, e.startedAt, e.endedAt, e.seconds],
      );
    }
  });

  test('entries are listed oldest first and filter by job, vehicle, crew and start time', async () => {
    const list = async (query: string) => (await h.call('GET', `/v1/timesheets${query}`, analyst)).json() as TimesheetEntry[];
    assert.deepEqual(await list(''), entries);
    assert.deepEqual((await list('?jobId=job-b')).map((e) => e.kind), ['en_route', 'on_site']);
    assert.deepEqual((await list('?crewId=red')).length, 3);
    assert.deepEqual((await list('?vehicleId=van-2&limit=1')), [entries[3]]);
    assert.deepEqual(await list(`?from=${T0 + 20 * MIN}&to=${T0 + 60 * MIN}`), [entries[1], entries[2]], 'to is exclusive');
    const bad = await h.call('GET', '/v1/timesheets?from=last-week', analyst);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /querystring\/from/);
  });

  test("a job's timesheet totals its seconds per kind; a job with none totals zero; an unknown job is 404", async () => {
    const res = await h.call('GET', '/v1/jobs/job-a/timesheet', analyst);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { jobId: 'job-a', entries: entries.slice(0, 3), totals: { en_route: 1200, on_site: 2700, idle: 300 } });
    assert.deepEqual((await h.call('GET', '/v1/jobs/job-c/timesheet', analyst)).json(), { jobId: 'job-c', entries: [], totals: { en_route: 0, on_site: 0, idle: 0 } });
    assert.equal((await h.call('GET', '/v1/jobs/job-z/timesheet', analyst)).statusCode, 404);
  });

  test('the summary totals a period per crew or per vehicle; the period is required', async () => {
    const byCrew = await h.call('GET', `/v1/timesheets/summary?by=crew&from=${T0}&to=${T0 + 2 * 60 * MIN}`, analyst);
    assert.equal(byCrew.statusCode, 200);
    assert.deepEqual(byCrew.json(), {
      from: T0, to: T0 + 2 * 60 * MIN, by: 'crew',
      rows: [
        { id: 'red', entries: 3, totals: { en_route: 1200, on_site: 2700, idle: 300 } },
        { id: null, entries: 2, totals: { en_route: 600, on_site: 1800, idle: 0 } },
      ],
    });
    const firstHour = (await h.call('GET', `/v1/timesheets/summary?by=vehicle&from=${new Date(T0).toISOString()}&to=${T0 + 60 * MIN}`, analyst)).json();
    assert.deepEqual(firstHour.rows, [{ id: 'van-1', entries: 3, totals: { en_route: 1200, on_site: 2700, idle: 300 } }]);

    const noPeriod = await h.call('GET', '/v1/timesheets/summary?by=crew', analyst);
    assert.equal(noPeriod.statusCode, 400);
    assert.match(noPeriod.json().detail, /querystring/);
    assert.match(noPeriod.json().detail, /from/);
    assert.equal((await h.call('GET', `/v1/timesheets/summary?by=customer&from=${T0}&to=${T0 + 1}`, analyst)).statusCode, 400);
  });
});

describe('trips and stops', () => {
  let analyst: string;
  const at = { lat: 52.48, lon: -1.9 };
  const trip = (deviceId: string, vehicleId: string, kind: TripEvent['kind'], startedAt: number, ts: number): TripEvent => ({
    v: 1, id: `${deviceId}:${kind.split('_')[0]}:${startedAt}:${kind.endsWith('end') ? 'e' : 's'}`, tenantId: 'roads', deviceId, vehicleId, kind, ts,
    ...at,
    ...(kind.endsWith('_end') ? { startedAt, durationS: (ts - startedAt) / 1000 } : {}),
    ...(kind === 'trip_end' ? { distanceM: 12_400, maxSpeedMs: 24.5, reason: 'stopped' as const } : {}),
  });
  const events = [
    trip('gps-1', 'van-1', 'trip_start', T0, T0),
    trip('gps-1', 'van-1', 'trip_end', T0, T0 + 25 * MIN),
    trip('gps-1', 'van-1', 'stop_start', T0 + 25 * MIN, T0 + 25 * MIN),
    trip('gps-1', 'van-1', 'idle_end', T0 + 26 * MIN, T0 + 31 * MIN),
    trip('gps-1', 'van-1', 'stop_end', T0 + 25 * MIN, T0 + 70 * MIN),
    trip('gps-1', 'van-1', 'trip_end', T0 + 70 * MIN, T0 + 95 * MIN),
    trip('gps-2', 'van-2', 'trip_end', T0 + 5 * MIN, T0 + 40 * MIN),
  ];

  before(async () => {
    const admin = await h.tenant('roads');
    analyst = await h.key(admin, 'analyst');
    for (const e of events) {
      await h.db.query(
        `INSERT INTO events (id, tenant_id, kind, ts, device_id, vehicle_id, data) VALUES ($1, $2, 'trip', to_timestamp($3 / 1000.0), $4, $5, $6::jsonb)`,
        [e.id, e.tenantId, e.ts, e.deviceId, e.vehicleId ?? null, JSON.stringify(e)],
      );
    }
  });

  test('trips are the completed trips, newest first, by vehicle, device and end time', async () => {
    const trips = async (query: string) => (await h.call('GET', `/v1/trips${query}`, analyst)).json() as TripEvent[];
    assert.deepEqual(await trips(''), [events[5], events[6], events[1]]);
    assert.deepEqual(await trips('?vehicleId=van-1'), [events[5], events[1]]);
    assert.deepEqual(await trips('?deviceId=gps-2'), [events[6]]);
    assert.deepEqual(await trips(`?from=${T0 + 30 * MIN}&to=${T0 + 60 * MIN}`), [events[6]]);
    assert.equal((await trips('?limit=1')).length, 1);
    const bad = await h.call('GET', '/v1/trips?to=tomorrow', analyst);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /querystring\/to/);
  });

  test('stops are the completed stops, with how long they lasted', async () => {
    const stops = (await h.call('GET', '/v1/stops?vehicleId=van-1', analyst)).json() as TripEvent[];
    assert.deepEqual(stops, [events[4]]);
    assert.equal(stops[0]!.durationS, 45 * 60);
    assert.equal((await h.call('GET', '/v1/stops?deviceId=bad/id', analyst)).statusCode, 400);
  });
});

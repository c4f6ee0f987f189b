import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import {
  alertId, busTopic, type AlertChange, type EtaUpdate, type LiveItem, type Plan, type Position, type TimesheetEntry, type TripEvent,
} from '@fieldtrace/protocol';
import { emptyPositionBatch } from '@fieldtrace/store';
import { silentLogger } from '@fieldtrace/service-kit';
import { buildApi } from '../app.js';
import { openHarness, type Harness } from '../test-support/harness.js';

let h: Harness;
const T0 = Date.UTC(2025, 5, 2, 8, 30, 0);

async function store(tenantId: string, deviceId: string, fixes: { seq: number; ts: number; lat: number; lon: number; speed?: number }[]) {
  const b = emptyPositionBatch();
  for (const f of fixes) {
    b.tenantId.push(tenantId); b.deviceId.push(deviceId); b.seq.push(f.seq); b.ts.push(f.ts); b.receivedAt.push(f.ts + 500);
    b.lat.push(f.lat); b.lon.push(f.lon); b.alt.push(null); b.accuracy.push(5); b.speed.push(f.speed ?? null);
    b.heading.push(null); b.fix.push('3d'); b.sats.push(9); b.hdop.push(0.9);
  }
  await h.db.insertPositions(b);
}

before(async () => {
  h = await openHarness({ flushMs: 10 });
});
after(() => h.close());

describe('telemetry queries', () => {
  let analyst: string;
  let dispatcher: string;
  before(async () => {
    const admin = await h.tenant('tele');
    analyst = await h.key(admin, 'analyst');
    dispatcher = await h.key(admin, 'dispatcher');
    await h.call('POST', '/v1/devices', admin, { id: 'd1', kind: 'truck', vehicleId: 'v1' });
    await h.call('POST', '/v1/devices', admin, { id: 'd2', kind: 'truck' });
    await store('tele', 'd1', [
      { seq: 1, ts: T0, lat: 51.0, lon: -1.0 },
      { seq: 2, ts: T0 + 10_000, lat: 51.001, lon: -1.0, speed: 12.5 },
      { seq: 3, ts: T0 + 20_000, lat: 51.002, lon: -1.0 },
    ]);
    await store('tele', 'd2', [{ seq: 1, ts: T0 + 5_000, lat: 52.0, lon: 0.5 }]);
    const otherAdmin = await h.tenant('other');
    await h.call('POST', '/v1/devices', otherAdmin, { id: 'd1', kind: 'truck' });
    await store('other', 'd1', [{ seq: 9, ts: T0 + 99_000, lat: 10, lon: 10 }]);
  });

  test('latest positions: the newest fix per device of the tenant only, with its vehicle', async () => {
    const res = await h.call('GET', '/v1/positions/latest', analyst);
    assert.equal(res.statusCode, 200);
    const latest = res.json();
    assert.deepEqual(latest.map((p: { deviceId: string; seq: number }) => [p.deviceId, p.seq]), [['d1', 3], ['d2', 1]]);
    assert.equal(latest[0].vehicleId, 'v1');
    assert.equal(latest[0].ts, T0 + 20_000);
    assert.equal(latest[1].vehicleId, null);
    assert.equal(latest[0].speed, undefined, 'a null column is an absent optional field');
  });

  test('a device track: oldest first, bounded by from/to (ISO or ms) and limit', async () => {
    h.clock.set(T0 + 30 * 60_000);
    const all = (await h.call('GET', '/v1/devices/d1/positions', analyst)).json();
    assert.deepEqual(all.map((p: { seq: number }) => p.seq), [1, 2, 3], 'the default window is the last hour');
    assert.equal(all[1].speed, 12.5);

    const from = new Date(T0 + 10_000).toISOString();
    const ranged = (await h.call('GET', `/v1/devices/d1/positions?from=${from}&to=${T0 + 15_000}`, analyst)).json();
    assert.deepEqual(ranged.map((p: { seq: number }) => p.seq), [2]);
    const limited = (await h.call('GET', '/v1/devices/d1/positions?limit=2', analyst)).json();
    assert.equal(limited.length, 2);

    const bad = await h.call('GET', '/v1/devices/d1/positions?from=yesterday', analyst);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /from/);
    assert.equal((await h.call('GET', '/v1/devices/d1/positions?limit=10001', analyst)).statusCode, 400);
    assert.equal((await h.call('GET', '/v1/devices/nope/positions', analyst)).statusCode, 404);
  });

  test('ETAs heard on the bus are served per tenant until the job closes', async () => {
    const eta: EtaUpdate = {
      v: 1, tenantId: 'tele', vehicleId: 'v1', deviceId: 'd1', jobId: 'job-9', siteId: 's9', eta: T0 + 600_000,
      secondsToGo: 420, distanceM: 5100, method: 'great-circle', basedOnTs: T0 + 20_000,
    };
    h.bus.publish(busTopic('tele', 'eta'), eta);
    h.bus.publish(busTopic('other', 'eta'), { ...eta, tenantId: 'tele', jobId: 'spoofed' }); // topic and body disagree
    assert.deepEqual((await h.call('GET', '/v1/etas', dispatcher)).json(), [eta]);

    h.bus.publish(busTopic('tele', 'job'), { v: 1, tenantId: 'tele', jobId: 'job-9', from: 'en_route', to: 'on_site', ts: T0, cause: 'geofence' });
    assert.deepEqual((await h.call('GET', '/v1/etas', dispatcher)).json(), []);
  });
});

describe('live feed WebSocket', () => {
  let baseUrl: string;
  let liveKey: string;

  before(async () => {
    const admin = await h.tenant('live');
    liveKey = await h.key(admin, 'dispatcher');
    await h.call('POST', '/v1/devices', admin, { id: 'truck-1', kind: 'truck', vehicleId: 'v1' });
    await store('live', 'truck-1', [{ seq: 1, ts: T0, lat: 51.5, lon: -0.12 }]);
    baseUrl = (await h.api.start()).replace(/^http/, 'ws');
  });

  /** Connects and collects frames; resolves once open. */
  async function connect(query: string): Promise<{ ws: WebSocket; next(): Promise<LiveItem[]> }> {
    const ws = new WebSocket(`${baseUrl}/v1/live?${query}`);
    const frames: LiveItem[][] = [];
    const waiting: ((f: LiveItem[]) => void)[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as LiveItem[];
      const w = waiting.shift();
      if (w) w(frame);
      else frames.push(frame);
    });
    await once(ws, 'open');
    return {
      ws,
      next: () => {
        const f = frames.shift();
        return f ? Promise.resolve(f) : new Promise((resolve) => waiting.push(resolve));
      },
    };
  }

  /** A client expecting refusal: ws reports an aborted handshake as an error too, which is expected here. */
  function refusable(url: string): WebSocket {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    return ws;
  }

  test('a client with ?key= gets the latest positions, then bus positions in batched frames', async () => {
    const { ws, next } = await connect(`key=${encodeURIComponent(liveKey)}`);
    const snapshot = await next();
    assert.equal(snapshot.length, 1);
    assert.equal(snapshot[0]!.type, 'position');
    assert.equal((snapshot[0]!.data as Position).deviceId, 'truck-1');

    const fix = (seq: number): Position => ({
      v: 1, tenantId: 'live', deviceId: 'truck-1', seq, ts: T0 + seq * 1000, receivedAt: T0 + seq * 1000, lat: 51.5, lon: -0.12, fix: '3d',
    });
    h.bus.publish(busTopic('live', 'position'), fix(2));
    h.bus.publish(busTopic('live', 'position'), fix(3));
    h.bus.publish(busTopic('elsewhere', 'position'), { ...fix(4), tenantId: 'elsewhere' });
    const frame = await next();
    assert.deepEqual(frame, [{ type: 'position', data: fix(2) }, { type: 'position', data: fix(3) }]);
    assert.equal(h.api.fanout.size(), 1);
    ws.close();
    await once(ws, 'close');
  });

  test('alerts, trips and timesheet entries on the bus reach the tenant\'s clients; an alert of another tenant does not', async () => {
    const { ws, next } = await connect(`key=${encodeURIComponent(liveKey)}`);
    await next(); // the position snapshot
    const alert: AlertChange = {
      v: 1, change: 'raised',
      alert: {
        v: 1, id: alertId('speed', 'v', 'v1', T0), tenantId: 'live', ruleId: 'speed', kind: 'speeding', severity: 'warning',
        subject: { vehicleId: 'v1', deviceId: 'truck-1' }, status: 'open', openedAt: T0, updatedAt: T0, value: 71, threshold: 50,
        message: 'v1 at 71 km/h in a 50 km/h zone',
      },
    };
    const trip: TripEvent = {
      v: 1, id: 'truck-1:trip:1', tenantId: 'live', deviceId: 'truck-1', vehicleId: 'v1', kind: 'trip_start', ts: T0, lat: 51.5, lon: -0.12,
    };
    const entry: TimesheetEntry = {
      v: 1, id: `ts:j1:en_route:${T0}`, tenantId: 'live', jobId: 'j1', vehicleId: 'v1', crewId: null, kind: 'en_route',
      startedAt: T0, endedAt: T0 + 60_000, seconds: 60,
    };
    h.bus.publish(busTopic('live', 'alert'), { ...alert, alert: { ...alert.alert, tenantId: 'other' } }); // body and topic disagree
    h.bus.publish(busTopic('live', 'alert'), alert);
    h.bus.publish(busTopic('live', 'trip'), trip);
    h.bus.publish(busTopic('live', 'timesheet'), entry);
    assert.deepEqual(await next(), [
      { type: 'alert', data: alert },
      { type: 'trip', data: trip },
      { type: 'timesheet', data: entry },
    ]);
    ws.close();
    await once(ws, 'close');
  });

  test('plans on the bus reach the tenant\'s clients; re-plan requests on the same kind do not', async () => {
    const { ws, next } = await connect(`key=${encodeURIComponent(liveKey)}`);
    await next(); // the position snapshot
    const plan: Plan = {
      v: 1, id: 'plan-1', tenantId: 'live', createdAt: T0, status: 'proposed', backend: 'embedded',
      trigger: { kind: 'eta_slip', jobId: 'j1', detail: 'Job j1 will miss its window' },
      routes: [{ vehicleId: 'v1', stops: [{ jobId: 'j1', arrival: T0 + 60_000, serviceStart: T0 + 60_000 }], durationS: 60, distanceM: 800 }],
      unassigned: [], moves: [{ jobId: 'j1', fromVehicleId: 'v2', toVehicleId: 'v1', fromOrder: 1, toOrder: 0 }],
    };
    h.bus.publish(busTopic('live', 'plan'), { v: 1, tenantId: 'live', trigger: { kind: 'manual', detail: 'now' }, request: true });
    h.bus.publish(busTopic('live', 'plan'), plan);
    h.bus.publish(busTopic('live', 'plan'), { ...plan, tenantId: 'other' }); // body and topic disagree
    assert.deepEqual(await next(), [{ type: 'plan', data: plan }]);
    ws.close();
    await once(ws, 'close');
  });

  test('a bad or missing key is refused with HTTP 401 before any upgrade', async () => {
    for (const query of ['key=wrong', '']) {
      const ws = refusable(`${baseUrl}/v1/live?${query}`);
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
      assert.equal(res.statusCode, 401);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      res.resume();
      ws.terminate();
    }
  });

  test('a port already taken is reported as FT_PORT_IN_USE', async () => {
    const port = Number(new URL(baseUrl.replace(/^ws/, 'http')).port);
    const second = buildApi(
      { HTTP_PORT: port, HTTP_HOST: '127.0.0.1', LIVE_FLUSH_MS: 50 },
      { db: h.db, bus: h.bus, logger: silentLogger, clock: h.clock },
    );
    await assert.rejects(second.start(), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'FT_PORT_IN_USE');
      assert.match(String(err.message), new RegExp(String(port)));
      return true;
    });
    await second.close();
  });

  test('the WebSocket exists only at /v1/live', async () => {
    const ws = refusable(`${baseUrl}/v1/elsewhere?key=${encodeURIComponent(liveKey)}`);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    assert.equal(res.statusCode, 404);
    res.resume();
    ws.terminate();
  });
});

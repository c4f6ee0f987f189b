import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM, type AlertChange } from '@fieldtrace/protocol';
import { readLimerick, readLiverpool, type TrackPoint } from '../test-support/real-tracks.js';
import { stepAlertPosition, tickAlerts } from './alert-core.js';
import { harness, offlineRule, speedingRule, TENANT } from './alert-fixtures.js';

/** Real traces (../shared/fixtures/trajectories): they carry no speed, so the core measures it between fixes. */

function position(p: TrackPoint) {
  return { tenantId: TENANT, deviceId: `bus-${p.vehicle}`, vehicleId: p.vehicle, ts: p.ts, lat: p.lat, lon: p.lon };
}

/** Independent reference: stretches of consecutive fixes measured above `limitKmh`, as [first, last] event times. */
function stretchesOver(points: readonly TrackPoint[], limitKmh: number): Array<[number, number]> {
  const stretches: Array<[number, number]> = [];
  let open: [number, number] | null = null;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const dt = (b.ts - a.ts) / 1000;
    if (dt < 1) continue;
    const kmh = (haversineM(a.lat, a.lon, b.lat, b.lon) / dt) * 3.6;
    if (kmh > limitKmh) {
      if (open) open[1] = b.ts;
      else open = [b.ts, b.ts];
    } else if (open) {
      stretches.push(open);
      open = null;
    }
  }
  if (open) stretches.push(open);
  return stretches;
}

test('Limerick 304 (1 s fixes): each stretch above 50 km/h raises only if it lasts the minimum duration', () => {
  const ride = readLimerick();
  assert.ok(ride.length > 2000, `${ride.length} fixes`);
  const stretches = stretchesOver(ride, 50);
  assert.ok(stretches.length >= 5, `${stretches.length} stretches above 50 km/h`);
  const raisedFor = (minDurationS: number, cooldownS: number): AlertChange[] => {
    const h = harness([speedingRule({ limitKmh: 50, useFenceLimits: false, minDurationS, cooldownS })]);
    for (const p of ride) stepAlertPosition(h.state, position(p), h.out);
    return h.take().filter((c) => c.change === 'raised' || c.change === 'reopened');
  };
  for (const minDurationS of [0, 5, 10]) {
    const expected = stretches.filter(([first, last]) => last - first >= minDurationS * 1000).map(([first]) => first + minDurationS * 1000);
    assert.deepEqual(raisedFor(minDurationS, 0).map((c) => c.alert.openedAt), expected, `minDurationS ${minDurationS}`);
  }
  // With the default 300 s cooldown, flapping around the limit re-opens alerts instead of raising new ones.
  const withCooldown = raisedFor(0, 300);
  assert.equal(withCooldown.length, stretches.length);
  assert.ok(withCooldown.filter((c) => c.change === 'raised').length < stretches.length / 2);
});

test('Liverpool route 14 (8 buses, 2.5 h): offline alerts match every real reporting gap over 2 min, and clear with its length', () => {
  const points = readLiverpool();
  const h = harness([offlineRule({ maxSilenceS: 120 })]);
  const tickEveryMs = 10_000;
  let nextTick = points[0]!.ts + tickEveryMs;
  for (const p of points) {
    for (; nextTick <= p.ts; nextTick += tickEveryMs) tickAlerts(h.state, nextTick, h.out);
    stepAlertPosition(h.state, position(p), h.out);
  }
  const end = points.at(-1)!.ts;
  tickAlerts(h.state, end, h.out);
  const changes = h.take();

  // Reference from the data: per bus, silences between fixes (and after its last fix) seen by a tick at ≥ 120 s.
  const expectedOpen: string[] = [];
  const expectedClear: string[] = [];
  const lastByBus = new Map<string, number>();
  const tickSeesSilence = (from: number, to: number) => {
    const firstTick = points[0]!.ts + Math.ceil((from + 120_000 - points[0]!.ts) / tickEveryMs) * tickEveryMs;
    return firstTick <= to;
  };
  for (const p of points) {
    const prev = lastByBus.get(p.vehicle);
    if (prev !== undefined && p.ts - prev >= 120_000 && tickSeesSilence(prev, p.ts)) {
      expectedOpen.push(`bus-${p.vehicle}@${prev + 120_000}`);
      expectedClear.push(`bus-${p.vehicle}:${Math.round((p.ts - prev) / 1000)}s`);
    }
    lastByBus.set(p.vehicle, p.ts);
  }
  for (const [bus, last] of lastByBus) if (end - last >= 120_000) expectedOpen.push(`bus-${bus}@${last + 120_000}`);

  const opened = changes.filter((c) => c.change === 'raised').map((c) => `${c.alert.subject.deviceId}@${c.alert.openedAt}`);
  const cleared = changes.filter((c) => c.change === 'cleared').map((c) => `${c.alert.subject.deviceId}:${c.alert.value}s`);
  assert.ok(expectedClear.length >= 5, `${expectedClear.length} gaps`);
  assert.deepEqual(opened.sort(), expectedOpen.sort());
  assert.deepEqual(cleared.sort(), expectedClear.sort());
});

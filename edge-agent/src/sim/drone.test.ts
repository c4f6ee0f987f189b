import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM, validateUplink } from '@fieldtrace/protocol';
import { ofKind, T0 } from '../test-support.js';
import { advanceDrone, createDrone } from './drone.js';
import type { UplinkEnvelope } from './outbox.js';
import { createRng } from './rng.js';

const SITE = { id: 'site-001', lat: 43.7384, lon: 7.4246 };

function fly(hours: number) {
  const rng = createRng(9);
  const drone = createDrone({ deviceId: 'dev-gs-01', site: SITE, seqStart: 100, now: T0 }, rng);
  const out: UplinkEnvelope[] = [];
  for (let t = T0 + 500; t <= T0 + hours * 3_600_000; t += 500) {
    advanceDrone(drone, 500, t, rng);
    out.push(...drone.outbox.take(Infinity));
  }
  return { drone, out };
}

test('the ground station emits drone telemetry at 2 Hz and image metadata that validate against the protocol', () => {
  const { out } = fly(1);
  for (const e of out) {
    const result = validateUplink(e.kind, e.message);
    assert.ok(result.ok, `${e.kind} ${JSON.stringify(e.message)}: ${result.ok ? '' : result.detail}`);
  }
  const telemetry = ofKind(out, 'drone');
  assert.equal(telemetry.length, 2 * 3600 + 1);
  for (let i = 1; i < telemetry.length; i++) assert.equal(telemetry[i]!.ts - telemetry[i - 1]!.ts, 500);
  for (let i = 1; i < out.length; i++) assert.ok(out[i]!.message.seq > out[i - 1]!.message.seq, 'seq is monotonic across kinds');
  assert.ok(ofKind(out, 'image').length > 50);
});

test('it flies a lawnmower survey at 30–40 m over its site, photographing nadir every 3 s, then lands and repeats', () => {
  const { drone, out } = fly(1.5);
  assert.ok(drone.flights >= 2, `only ${drone.flights} flight(s) in 90 minutes`);
  const telemetry = ofKind(out, 'drone');
  const modes = new Set(telemetry.map((m) => m.mode));
  for (const mode of ['STABILIZE', 'AUTO', 'RTL', 'LAND']) assert.ok(modes.has(mode), `never in ${mode}`);
  for (const m of telemetry) {
    if (!m.armed) assert.equal(m.altRel, 0, 'disarmed on the ground');
    assert.ok(m.altRel! <= 40);
    assert.ok(m.batteryPct! > 20);
  }

  const images = ofKind(out, 'image');
  const byFlight = new Map<string, typeof images>();
  for (const image of images) {
    assert.equal(image.gimbalPitch, -90);
    assert.equal(image.cameraProfile, 'ground-station-default');
    assert.deepEqual([image.width, image.height], [5472, 3648]);
    assert.ok(image.altRel! >= 30 && image.altRel! <= 40, `image at ${image.altRel} m`);
    assert.ok(haversineM(image.lat, image.lon, SITE.lat, SITE.lon) < 110, 'image taken outside the survey area');
    const flight = image.imageId.split('-').slice(0, -1).join('-');
    byFlight.set(flight, [...(byFlight.get(flight) ?? []), image]);
  }
  assert.equal(new Set(images.map((i) => i.imageId)).size, images.length, 'image ids are unique');
  assert.ok(byFlight.size >= 2);
  // The last flight may still be in the air when the test stops.
  for (const shots of [...byFlight.values()].slice(0, -1)) {
    for (let i = 1; i < shots.length; i++) assert.equal(shots[i]!.ts - shots[i - 1]!.ts, 3000);
    // A lawnmower covers the area: images spread over both axes of the 160 × 120 m rectangle.
    const ys = shots.map((s) => s.lat);
    const xs = shots.map((s) => s.lon);
    assert.ok(haversineM(Math.min(...ys), SITE.lon, Math.max(...ys), SITE.lon) > 90);
    assert.ok(haversineM(SITE.lat, Math.min(...xs), SITE.lat, Math.max(...xs)) > 130);
  }
});

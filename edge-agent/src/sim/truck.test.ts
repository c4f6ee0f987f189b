import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearingDeg, haversineM, validateUplink } from '@fieldtrace/protocol';
import { monaco, ofKind, smallFleet, T0, truckSites } from '../test-support.js';
import { createRng } from './rng.js';
import { advance, createTruck, takeSendable, type Truck, type TruckModelConfig } from './truck.js';
import type { UplinkEnvelope } from './outbox.js';

async function firstTruck(config: Partial<TruckModelConfig> = {}, seed = 1) {
  const graph = await monaco();
  const fleet = smallFleet(graph);
  const vehicle = fleet.vehicles[0]!;
  const { jobs, all } = truckSites(fleet, vehicle.id);
  const rng = createRng(seed);
  const truck = createTruck(
    { deviceId: 'dev-truck-01', vehicleId: vehicle.id, graph, startNode: vehicle.startNode, jobs, anySites: all, seqStart: 5_000, now: T0, config: { gapPerMin: 0, ...config } },
    rng,
  );
  const start = { lat: graph.lat[vehicle.startNode]!, lon: graph.lon[vehicle.startNode]! };
  return { truck, rng, jobs, places: [...all, start] };
}

/** Runs the model in `stepMs` steps for `durationMs`, publishing whatever the link allows after each step. */
function run(truck: Truck, rng: ReturnType<typeof createRng>, from: number, durationMs: number, stepMs = 1000) {
  const sent: { at: number; batch: UplinkEnvelope[] }[] = [];
  for (let t = from + stepMs; t <= from + durationMs; t += stepMs) {
    advance(truck, stepMs, t, rng);
    sent.push({ at: t, batch: takeSendable(truck, Infinity) });
  }
  return sent;
}

test('a truck drives to its first job site, parks within 15 m of it and dwells inside the 60 m fence', async () => {
  const { truck, rng, jobs } = await firstTruck();
  const site = jobs[0]!;
  let t = T0;
  while (truck.arrivals.length === 0 && t < T0 + 2 * 3_600_000) {
    t += 1000;
    advance(truck, 1000, t, rng);
  }
  assert.deepEqual(truck.arrivals[0] && { siteId: truck.arrivals[0].siteId, jobIndex: truck.arrivals[0].jobIndex }, { siteId: site.id, jobIndex: 0 });
  assert.ok(haversineM(truck.lat, truck.lon, site.lat, site.lon) <= 15.5, 'parked too far from the site point');
  truck.outbox.take(Infinity);

  const dwell = run(truck, rng, t, 60_000).flatMap((s) => s.batch);
  assert.equal(truck.phase, 'parked', 'the shortest dwell is 150 s');
  const fixes = ofKind(dwell, 'fix');
  assert.ok(fixes.length >= 59);
  for (const f of fixes) {
    assert.ok(haversineM(f.lat, f.lon, site.lat, site.lon) < 60, `fix ${f.seq} outside the fence`);
    assert.ok(f.speed! < 0.5, `parked truck reports ${f.speed} m/s`);
  }
  // The reported position of a parked truck drifts by about a metre a second rather than jumping within its error circle.
  const steps = fixes.slice(1).map((f, i) => haversineM(f.lat, f.lon, fixes[i]!.lat, fixes[i]!.lon)).sort((a, b) => a - b);
  const medianStep = steps[steps.length >> 1]!;
  assert.ok(medianStep > 0.05 && medianStep < 3, `median fix-to-fix drift ${medianStep} m`);

  run(truck, rng, t + 60_000, 361_000);
  assert.equal(truck.phase, 'driving', 'dwells at most 420 s');
  assert.equal(truck.destination?.id, jobs[1]!.id);
});

test('fixes are valid, in seq order, one per interval, with plausible speeds, accelerations and headings', async () => {
  const { truck, rng, places } = await firstTruck({}, 2);
  const awayFromSites = (f: { lat: number; lon: number }) => places.every((p) => haversineM(f.lat, f.lon, p.lat, p.lon) > 100);
  const all = run(truck, rng, T0, 30 * 60_000).flatMap((s) => s.batch);
  const seqs = all.map((e) => e.message.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, 'seq must increase across all kinds');
  assert.equal(seqs[0], 5_000);
  for (const e of all) assert.equal(validateUplink(e.kind, e.message).ok, true, JSON.stringify(e));

  const fixes = ofKind(all, 'fix');
  assert.ok(fixes.length >= 1799);
  let stoppedWhileDriving = 0;
  let headingChecks = 0;
  let headingAgrees = 0;
  for (let i = 1; i < fixes.length; i++) {
    const a = fixes[i - 1]!;
    const b = fixes[i]!;
    assert.equal(b.ts - a.ts, 1000);
    assert.ok(b.speed! >= 0 && b.speed! < 40);
    assert.ok(b.heading! >= 0 && b.heading! < 360);
    // Trucks accelerate at ≤ 1 m/s² and brake at ≤ 3.5 m/s² (plus ~0.2 m/s of reported-speed noise).
    assert.ok(Math.abs(b.speed! - a.speed!) < 4.2, `speed jumps ${a.speed} → ${b.speed} m/s in one second`);
    assert.ok(haversineM(a.lat, a.lon, b.lat, b.lon) < 40 + 25, 'position jumps further than any truck moves in 1 s');
    if (b.speed! < 0.3 && awayFromSites(b)) stoppedWhileDriving++;
    const ahead = fixes[i + 3];
    if (b.speed! > 8 && ahead && ahead.speed! > 8) {
      headingChecks++;
      const travelled = bearingDeg(b.lat, b.lon, ahead.lat, ahead.lon);
      if (Math.abs(((travelled - b.heading! + 540) % 360) - 180) < 45) headingAgrees++;
    }
  }
  assert.ok(stoppedWhileDriving >= 5, 'no traffic stops in 30 minutes of city driving');
  assert.ok(headingChecks > 100 && headingAgrees / headingChecks > 0.8, `heading matches travel in ${headingAgrees}/${headingChecks}`);
  const top = Math.max(...fixes.map((f) => f.speed!));
  assert.ok(top > 8 && top < 25, `top speed ${top} m/s in Monaco`);
});

test('a connectivity gap buffers fixes and releases them in order, with their birth timestamps, before live data', async () => {
  const { truck, rng } = await firstTruck({ gapPerMin: 0.5 }, 3);
  const sent = run(truck, rng, T0, 20 * 60_000);
  assert.ok(truck.link.gaps >= 2, `expected gaps, saw ${truck.link.gaps}`);

  const releases = sent.filter((s, i) => i > 0 && sent[i - 1]!.batch.length === 0 && s.batch.length > 20);
  assert.ok(releases.length >= 1, 'no buffered batch released after a gap');
  for (const release of releases) {
    const fixes = ofKind(release.batch, 'fix');
    assert.ok(fixes[0]!.ts <= release.at - 20_000, 'the first released fix was born before the gap of ≥ 20 s');
    for (let i = 1; i < fixes.length; i++) assert.equal(fixes[i]!.ts - fixes[i - 1]!.ts, 1000, 'original 1 Hz timestamps kept');
    assert.ok(fixes.at(-1)!.ts <= release.at);
  }
  const published = sent.flatMap((s) => s.batch);
  const seqs = published.map((e) => e.message.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, 'published out of order');
  const waiting = truck.outbox.take(Infinity);
  assert.equal(ofKind(published, 'fix').length + ofKind(waiting, 'fix').length, truck.fixes, 'no fix lost');
  assert.equal(truck.outbox.dropped, 0);
});

test('a full buffer drops its oldest messages and counts them', async () => {
  const { truck, rng } = await firstTruck({ gapPerMin: 1, gapMinMs: 90_000, gapMaxMs: 90_000, outboxLimit: 20 }, 4);
  const sent = run(truck, rng, T0, 60_000).flatMap((s) => s.batch);
  assert.equal(sent.length, 0, 'nothing is sent while the link is down');
  assert.equal(truck.outbox.size, 20);
  assert.ok(truck.outbox.dropped >= 40);
  const kept = truck.outbox.take(Infinity);
  assert.equal(kept.at(-1)!.message.seq, truck.seq - 1, 'the newest message is kept');
  assert.equal(kept[0]!.message.seq, truck.seq - 20, 'the oldest were dropped');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM } from '@fieldtrace/protocol';
import { monaco, T0 } from '../test-support.js';
import { generateFleet } from './fleet.js';

test('the generated fleet is the same for the same seed and different for another', async () => {
  const graph = await monaco();
  const options = { tenantId: 'demo', trucks: 5, seed: 42, jobsPerTruck: 3, graph, now: T0 };
  const a = generateFleet(options);
  assert.deepEqual(generateFleet(options), a);
  const b = generateFleet({ ...options, seed: 43 });
  assert.notDeepEqual(b.sites.map((s) => s.location), a.sites.map((s) => s.location));
});

test('a fleet has trucks with devices, a ground station, spread-out sites and ordered jobs with windows', async () => {
  const graph = await monaco();
  const fleet = generateFleet({ tenantId: 'demo', trucks: 12, seed: 42, jobsPerTruck: 4, graph, now: T0 });
  assert.deepEqual(fleet.vehicles.slice(0, 2).map((v) => v.id), ['truck-01', 'truck-02']);
  assert.equal(fleet.devices.length, 13);
  assert.deepEqual(fleet.devices[0], { id: 'dev-truck-01', kind: 'truck', vehicleId: 'truck-01', profile: 'truck-default', siteId: null });
  const gs = fleet.devices.find((d) => d.kind === 'ground-station')!;
  assert.equal(gs.id, 'dev-gs-01');
  assert.ok(fleet.sites.some((s) => s.id === gs.siteId));

  assert.equal(fleet.sites.length, 48);
  assert.equal(new Set(fleet.sites.map((s) => s.name)).size, 48, 'site names are unique');
  for (const site of fleet.sites) {
    assert.equal(site.radiusM, 60);
    assert.deepEqual(site.location, [graph.lon[site.node], graph.lat[site.node]], 'sites sit on the road graph');
    for (const other of fleet.sites) {
      if (other !== site) assert.ok(haversineM(site.location[1], site.location[0], other.location[1], other.location[0]) >= 120, 'fences overlap');
    }
  }

  for (const vehicle of fleet.vehicles) {
    const jobs = fleet.jobs.filter((j) => j.vehicleId === vehicle.id);
    assert.deepEqual(jobs.map((j) => j.routeOrder), [0, 1, 2, 3]);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const site = fleet.sites.find((s) => s.id === job.siteId)!;
      assert.equal(job.title, `Snow clearing — ${site.name}`);
      assert.equal(job.status, 'assigned');
      assert.ok(job.windowEnd - job.windowStart >= 30 * 60_000);
      assert.ok(job.windowEnd > T0);
      if (i > 0) assert.ok(job.windowStart > jobs[i - 1]!.windowStart, 'later stops have later windows');
    }
  }
  assert.equal(new Set(fleet.jobs.map((j) => j.id)).size, fleet.jobs.length);
});

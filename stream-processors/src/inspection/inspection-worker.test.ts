import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { busFilter, type ImageDetection, type InspectionUpdate } from '@fieldtrace/protocol';
import { createLocalBus, silentLogger, systemClock } from '@fieldtrace/service-kit';
import { createInspection, getInspection, listFindings, openStore, setSiteRoof, type Db } from '@fieldtrace/store';
import { buildInspectionWorker, type InspectionWorker } from './inspection-worker.js';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const SITE: [number, number] = [-35.3622, 149.1657];
const M_PER_DEG_LAT = 110_950;
const M_PER_DEG_LON = 111_320 * Math.cos((SITE[0] * Math.PI) / 180);
/** [lat, lon] `north`/`east` metres from a point (flat earth: metres here). */
function offsetLatLon(lat: number, lon: number, north: number, east: number): [number, number] {
  return [lat + north / M_PER_DEG_LAT, lon + east / M_PER_DEG_LON];
}

/** A detection `east`/`north` metres from the site, as a ground station sends it (0.3 m box on the ground). */
function seen(className: string, east: number, north: number, confidence: number, thumbnail?: string): ImageDetection {
  const [lat, lon] = offsetLatLon(SITE[0], SITE[1], north, east);
  const corner = (de: number, dn: number) => {
    const [la, lo] = offsetLatLon(SITE[0], SITE[1], north + dn, east + de);
    return [lo, la] as [number, number];
  };
  return {
    box: { x1: 100, y1: 100, x2: 130, y2: 130 }, classId: className === 'hail' ? 1 : 2, className, confidence, lat, lon,
    footprint: [corner(-0.15, -0.15), corner(0.15, -0.15), corner(0.15, 0.15), corner(-0.15, 0.15), corner(-0.15, -0.15)],
    areaM2: 0.09, gsdM: 0.01, ...(thumbnail ? { thumbnail } : {}),
  };
}

async function setup(t: TestContext, opts: { staleMs?: number } = {}): Promise<{ db: Db; worker: InspectionWorker; updates: InspectionUpdate[] }> {
  const db = await openStore({ pgliteThread: 'inline' }, silentLogger);
  const bus = createLocalBus(silentLogger);
  await db.exec(`
    INSERT INTO tenants (id, name) VALUES ('t1', 'Roofs Inc');
    INSERT INTO sites (tenant_id, id, name, lon, lat) VALUES ('t1', 's1', 'Garage', ${SITE[1]}, ${SITE[0]});
    INSERT INTO jobs (tenant_id, id, site_id, title, status) VALUES ('t1', 'j1', 's1', 'Roof check', 'scheduled');`);
  // A 10 × 10 m roof centred on the site.
  const ring = [[-5, -5], [5, -5], [5, 5], [-5, 5], [-5, -5]].map(([e, n]) => {
    const [lat, lon] = offsetLatLon(SITE[0], SITE[1], n!, e!);
    return [lon, lat] as [number, number];
  });
  await setSiteRoof(db, 't1', 's1', { outline: ring, heightM: 3 });
  const updates: InspectionUpdate[] = [];
  await bus.subscribe(busFilter('inspection'), (_topic, m) => updates.push(m as InspectionUpdate));
  const worker = buildInspectionWorker({
    modelPath: '/nonexistent/model.onnx', threads: 1, cameraProfileDir: '/nonexistent', defaultRoofHeightM: 4, pollMs: 50,
    staleMs: opts.staleMs ?? 60_000, cropSizePx: 160,
  }, { db, bus, logger: silentLogger, clock: systemClock });
  t.after(async () => {
    await worker.close();
    await bus.close();
    await db.close();
  });
  return { db, worker, updates };
}

test('a ground station\'s detections become findings: views of one mark merge, damage off the roof is flagged, crops come from its thumbnails', async (t) => {
  const { db, worker, updates } = await setup(t);
  const thumb = Buffer.from([0xff, 0xd8, 0xff, 0xd9]).toString('base64');
  await createInspection(db, 't1', {
    id: 'insp-1', jobId: 'j1', siteId: 's1', deviceId: 'gs1', from: T0, to: T0 + 60_000, createdAt: T0,
    images: [
      { imageId: 'a', ts: T0, pose: { lat: SITE[0], lon: SITE[1], altRel: 30 }, source: 'edge', detections: [seen('hail', 1, 1, 0.8, thumb), seen('missing_shingle', 8, 0, 0.9)], model: 'demo@1' },
      { imageId: 'b', ts: T0 + 2000, pose: { lat: SITE[0], lon: SITE[1], altRel: 30 }, source: 'edge', detections: [seen('hail', 1.1, 0.95, 0.7)], model: 'demo@1' },
      { imageId: 'c', ts: T0 + 4000, pose: { lat: SITE[0], lon: SITE[1], altRel: 30 }, source: 'edge', detections: [], model: 'demo@1' },
    ],
  });
  await worker.start();
  await worker.idle();

  const inspection = await getInspection(db, 't1', 'insp-1');
  assert.equal(inspection?.status, 'done', inspection?.error ?? '');
  assert.equal(inspection?.stats?.edge, 3);
  assert.equal(inspection?.stats?.looked, 0, 'nothing to look at: the model was never loaded (its path does not exist)');
  const findings = await listFindings(db, 't1', { inspectionId: 'insp-1' });
  assert.equal(findings.length, 2);
  const hail = findings.find((f) => f.className === 'hail')!;
  assert.equal(hail.views.length, 2, 'two pictures of one hail mark are one finding');
  assert.ok(hail.confidence > 0.9, `combined confidence ${hail.confidence}`);
  assert.equal(hail.outsideRoof, false);
  assert.equal(hail.hasCrop, true, 'the crop is the thumbnail the station sent');
  const missing = findings.find((f) => f.className === 'missing_shingle')!;
  assert.equal(missing.outsideRoof, true, '8 m east is off the 10 m roof');
  assert.deepEqual(updates.map((u) => u.status), ['processing', 'done']);
  assert.equal(updates.at(-1)!.findings, 2);
});

test('an inspection whose pictures cannot be read still finishes, saying how many were missing or had no pose', async (t) => {
  const { db, worker } = await setup(t);
  await createInspection(db, 't1', {
    id: 'insp-2', jobId: 'j1', siteId: 's1', deviceId: 'gs1', from: T0, to: T0 + 60_000, createdAt: T0,
    images: [
      { imageId: 'gone', ts: T0, pose: { lat: SITE[0], lon: SITE[1], altRel: 30 }, source: 'upload' },
      { imageId: 'blind', ts: T0 + 1000, pose: {}, source: 'upload' },
    ],
  });
  await worker.start();
  await worker.idle();
  const inspection = await getInspection(db, 't1', 'insp-2');
  assert.equal(inspection?.status, 'done');
  assert.equal(inspection?.stats?.missing, 1, 'no image store configured: the bytes are not there');
  assert.equal(inspection?.stats?.noPose, 1);
  assert.equal(inspection?.stats?.findings, 0);
});

test('an inspection a crashed worker left half done is claimed again and finished', async (t) => {
  const { db, worker } = await setup(t, { staleMs: 1000 });
  await createInspection(db, 't1', {
    id: 'insp-3', jobId: 'j1', siteId: 's1', deviceId: 'gs1', from: T0, to: T0 + 60_000, createdAt: T0,
    images: [{ imageId: 'a', ts: T0, pose: { lat: SITE[0], lon: SITE[1], altRel: 30 }, source: 'edge', detections: [seen('hail', 0, 0, 0.9)], model: 'demo@1' }],
  });
  // The dead worker claimed it two seconds ago and was never heard of again.
  await db.query(`UPDATE inspections SET status = 'processing', claimed_at = now() - interval '2 seconds', attempts = 1 WHERE id = 'insp-3'`);
  await worker.start();
  await worker.idle();
  const inspection = await getInspection(db, 't1', 'insp-3');
  assert.equal(inspection?.status, 'done');
  assert.equal((await listFindings(db, 't1', { inspectionId: 'insp-3' })).length, 1);
});

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@fieldtrace/service-kit';
import { requireServer, uniqueSchema, TEST_DATABASE_URL } from '@fieldtrace/testkit';
import type { ImageDetection, PriceTable, SiteRoof } from '@fieldtrace/protocol';
import {
  claimNextInspection, countInspectionImages, createInspection, droneTrack, emptyMessageBatch, failAbandonedInspections, finishInspection, getFindingCrop, getInspection,
  getPriceTable, getSiteRoof, listFindingCrops, listFindings, listInspectionImages, listInspections, openStore,
  replaceFindings, saveImageDetections, setPriceTable, setSiteRoof, type Db, type NewFinding,
} from './index.js';

const T0 = Date.UTC(2025, 5, 2, 9, 0, 0);
const MIN = 60_000;

/** The same SQL runs on PGlite and PostgreSQL: each behaviour is checked on both (PostgreSQL when a server is up). */
const ENGINES = ['PGlite', 'PostgreSQL'] as const;
async function open(t: TestContext, engine: (typeof ENGINES)[number]): Promise<Db | null> {
  if (engine === 'PGlite') {
    const db = await openStore({ pgliteThread: 'inline' }, silentLogger);
    t.after(() => db.close());
    return db;
  }
  const skip = await requireServer('PostgreSQL', TEST_DATABASE_URL);
  if (skip.skip) {
    t.skip(skip.skip);
    return null;
  }
  const schema = uniqueSchema('insp');
  const db = await openStore({ databaseUrl: TEST_DATABASE_URL, schema }, silentLogger);
  t.after(async () => {
    await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
    await db.close();
  });
  return db;
}

async function seed(db: Db) {
  await db.exec(`
    INSERT INTO tenants (id, name) VALUES ('t1', 'Roofs Inc'), ('t2', 'Other');
    INSERT INTO sites (tenant_id, id, name, lon, lat) VALUES ('t1', 's1', 'Elm St 4', -0.1276, 51.5072);
    INSERT INTO jobs (tenant_id, id, site_id, title, status) VALUES ('t1', 'j1', 's1', 'Roof check', 'scheduled');`);
}

const detection: ImageDetection = {
  box: { x1: 10, y1: 20, x2: 60, y2: 80 }, classId: 1, className: 'hail', confidence: 0.9, lat: 51.50721, lon: -0.12761,
  footprint: [[-0.12762, 51.5072], [-0.1276, 51.5072], [-0.1276, 51.50722], [-0.12762, 51.5072]], areaM2: 0.4, gsdM: 0.01,
};

function finding(id: string, crop: Uint8Array | null): NewFinding {
  return {
    id, className: 'hail', severity: 'medium', confidence: 0.8, lat: 51.50721, lon: -0.12761,
    footprint: detection.footprint, areaM2: 0.4, outsideRoof: false,
    views: [{ imageId: 'a.jpg', box: detection.box, confidence: 0.8 }], crop,
  };
}

async function newInspection(db: Db, id: string, createdAt: number) {
  return createInspection(db, 't1', {
    id, jobId: 'j1', siteId: 's1', deviceId: 'gs1', from: T0, to: T0 + 10 * MIN, createdAt,
    images: [
      { imageId: 'b.jpg', ts: T0 + 2000, pose: { lat: 51.5072, lon: -0.1276, altRel: 30 }, source: 'upload' },
      { imageId: 'a.jpg', ts: T0 + 1000, pose: { lat: 51.5071, lon: -0.1275, altRel: 30, gimbalPitch: -90 }, source: 'edge',
        detections: [detection], model: 'roof@1', lookedAt: T0 + 1500 },
    ],
  });
}

for (const engine of ENGINES) test(`${engine}: an inspection is queued with its images, claimed once, looked at, given findings and finished`, async (t) => {
  const db = await open(t, engine);
  if (!db) return;
  await seed(db);

  const created = await newInspection(db, 'i1', T0 + 20 * MIN);
  assert.equal(created.status, 'queued');
  assert.deepEqual(created.imageIds, ['a.jpg', 'b.jpg'], 'capture order');
  assert.deepEqual([created.from, created.to, created.jobId, created.siteId, created.deviceId], [T0, T0 + 10 * MIN, 'j1', 's1', 'gs1']);
  assert.equal(created.createdAt, new Date(T0 + 20 * MIN).toISOString());
  await assert.rejects(newInspection(db, 'i1', T0), (err: Error & { code?: string }) => err.code === '23505');

  const images = await listInspectionImages(db, 't1', 'i1');
  assert.deepEqual(images.map((i) => [i.imageId, i.source, i.detections?.length ?? null, i.model, i.lookedAt]), [
    ['a.jpg', 'edge', 1, 'roof@1', T0 + 1500],
    ['b.jpg', 'upload', null, null, null],
  ]);
  assert.deepEqual(images[0]!.pose, { lat: 51.5071, lon: -0.1275, altRel: 30, gimbalPitch: -90 });
  assert.deepEqual(images[0]!.detections, [detection]);

  // Claimed once: a second worker finds nothing to do.
  const now = T0 + 30 * MIN;
  const claimed = await claimNextInspection(db, now);
  assert.equal(claimed?.id, 'i1');
  assert.equal(claimed?.status, 'processing');
  assert.deepEqual(claimed?.imageIds, ['a.jpg', 'b.jpg']);
  assert.equal(await claimNextInspection(db, now), null);

  assert.equal(await saveImageDetections(db, 't1', 'i1', 'b.jpg', [], 'roof@2', now + MIN), true);
  assert.equal(await saveImageDetections(db, 't1', 'i1', 'nope.jpg', [], 'roof@2', now + MIN), false);
  const looked = (await listInspectionImages(db, 't1', 'i1'))[1]!;
  assert.deepEqual([looked.detections, looked.model, looked.lookedAt], [[], 'roof@2', now + MIN]);
  // The detections were a heartbeat: 10 minutes after the claim it is not stale yet.
  assert.equal(await claimNextInspection(db, now + 10.5 * MIN), null);

  const crop = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  assert.equal(await replaceFindings(db, 't1', 'i1', [finding('i1-1', null), finding('i1-2', null)]), 2);
  assert.equal(await replaceFindings(db, 't1', 'i1', [finding('i1-1', crop)]), 1, 'a re-run replaces, never adds');
  assert.equal(await replaceFindings(db, 't1', 'missing', [finding('x-1', null)]), 0);

  const done = await finishInspection(db, 't1', 'i1', { status: 'done', stats: { images: 2, findings: 1 }, model: 'roof@2' }, now + 2 * MIN);
  assert.deepEqual([done?.status, done?.stats, done?.model, done?.processedAt], [
    'done', { images: 2, findings: 1 }, 'roof@2', new Date(now + 2 * MIN).toISOString(),
  ]);
  assert.equal(await claimNextInspection(db, now + 60 * MIN), null, 'a finished inspection is never claimed');

  const byJob = await listFindings(db, 't1', { jobId: 'j1' });
  const byInspection = await listFindings(db, 't1', { inspectionId: 'i1' });
  assert.deepEqual(byJob, byInspection);
  const { crop: _crop, ...stored } = finding('i1-1', null);
  assert.deepEqual(byJob, [{ ...stored, inspectionId: 'i1', jobId: 'j1', siteId: 's1', hasCrop: true }]);
  assert.deepEqual(await getFindingCrop(db, 't1', 'i1-1'), Buffer.from(crop));
  assert.equal(await getFindingCrop(db, 't2', 'i1-1'), null, 'per tenant');
  assert.deepEqual([...(await listFindingCrops(db, 't1', 'i1')).keys()], ['i1-1']);
  assert.deepEqual((await listInspections(db, 't1', { jobId: 'j1' })).map((i) => i.id), ['i1']);
  assert.equal(await getInspection(db, 't2', 'i1'), null);
});

for (const engine of ENGINES) test(`${engine}: a worker that died is replaced after the stale timeout, and an inspection that kills every worker is given up`, async (t) => {
  const db = await open(t, engine);
  if (!db) return;
  await seed(db);
  await newInspection(db, 'old', T0);
  await newInspection(db, 'new', T0 + MIN);

  const opts = { staleMs: 5 * MIN, maxAttempts: 2 };
  assert.equal((await claimNextInspection(db, T0 + 2 * MIN, opts))?.id, 'old', 'oldest first');
  assert.equal((await claimNextInspection(db, T0 + 2 * MIN, opts))?.id, 'new', 'the claimed one is skipped');
  await finishInspection(db, 't1', 'new', { status: 'failed', error: 'bad image' }, T0 + 3 * MIN);

  assert.equal(await claimNextInspection(db, T0 + 6 * MIN, opts), null, 'not stale yet');
  assert.deepEqual(await failAbandonedInspections(db, T0 + 8 * MIN, opts), [], 'one attempt left');
  assert.equal((await claimNextInspection(db, T0 + 8 * MIN, opts))?.id, 'old', 'stale: claimed again');
  assert.equal(await claimNextInspection(db, T0 + 20 * MIN, opts), null, 'attempts used up');
  const failed = await failAbandonedInspections(db, T0 + 20 * MIN, opts);
  assert.deepEqual(failed.map((i) => [i.id, i.status, i.error]), [['old', 'failed', 'abandoned: no worker finished it in 2 attempts']]);
  assert.equal((await getInspection(db, 't1', 'new'))?.error, 'bad image');
});

for (const engine of ENGINES) test(`${engine}: price tables and roofs are stored per tenant and site; null clears them`, async (t) => {
  const db = await open(t, engine);
  if (!db) return;
  await seed(db);
  const table: PriceTable = { currency: 'EUR', entries: [{ className: 'hail', description: 'Hail repair', per: 'm2', unitPrice: 40 }] };
  assert.equal(await getPriceTable(db, 't1'), null);
  assert.equal(await setPriceTable(db, 't1', table), true);
  assert.equal(await setPriceTable(db, 'nobody', table), false);
  assert.deepEqual(await getPriceTable(db, 't1'), table);
  assert.equal(await getPriceTable(db, 't2'), null);
  await setPriceTable(db, 't1', null);
  assert.equal(await getPriceTable(db, 't1'), null);

  const roof: SiteRoof = { outline: [[-0.1277, 51.5071], [-0.1275, 51.5071], [-0.1275, 51.5073], [-0.1277, 51.5071]], heightM: 6.5 };
  assert.equal(await setSiteRoof(db, 't1', 's1', roof), true);
  assert.equal(await setSiteRoof(db, 't1', 'nope', roof), false);
  assert.deepEqual(await getSiteRoof(db, 't1', 's1'), roof);
  await setSiteRoof(db, 't1', 's1', null);
  assert.equal(await getSiteRoof(db, 't1', 's1'), null);
});

for (const engine of ENGINES) test(`${engine}: a drone track is thinned to at most maxPoints, keeping the first and last fix`, async (t) => {
  const db = await open(t, engine);
  if (!db) return;
  const b = emptyMessageBatch();
  for (let i = 0; i < 25; i++) {
    b.tenantId.push('t1'); b.deviceId.push('gs1'); b.kind.push('drone'); b.seq.push(i); b.ts.push(T0 + i * 1000); b.receivedAt.push(T0 + i * 1000);
    b.body.push(JSON.stringify({ v: 1, seq: i, ts: T0 + i * 1000, lat: 51.5 + i * 1e-5, lon: -0.12 - i * 1e-5 }));
  }
  await db.insertDeviceMessages(b);
  const all = await droneTrack(db, 't1', 'gs1', T0, T0 + 60_000);
  assert.equal(all.length, 25);
  assert.deepEqual(all[0], [-0.12, 51.5], '[lon, lat]');
  const thin = await droneTrack(db, 't1', 'gs1', T0, T0 + 60_000, 10);
  assert.ok(thin.length <= 10 && thin.length >= 5, `${thin.length} points`);
  assert.deepEqual([thin[0], thin.at(-1)], [all[0], all[24]]);
  assert.equal((await droneTrack(db, 't1', 'gs1', T0 + 5000, T0 + 9000)).length, 5, 'the window bounds are inclusive');
  assert.deepEqual(await droneTrack(db, 't1', 'other', T0, T0 + 60_000), []);

  await seed(db);
  await newInspection(db, 'i1', T0);
  assert.deepEqual(await countInspectionImages(db, 't1', 'i1'), { total: 2, lookedAt: 1 });
});

test('crops cross the PGlite worker thread intact', async (t) => {
  const db = await openStore({}, silentLogger);
  t.after(() => db.close());
  await seed(db);
  await newInspection(db, 'i1', T0);
  const crop = Buffer.from([0xff, 0xd8, 0, 255, 7]);
  assert.equal(await replaceFindings(db, 't1', 'i1', [finding('i1-1', crop)]), 1);
  assert.deepEqual(await getFindingCrop(db, 't1', 'i1-1'), crop);
  assert.equal((await claimNextInspection(db, T0 + MIN))?.id, 'i1');
});

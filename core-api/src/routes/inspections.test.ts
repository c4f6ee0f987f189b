import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busFilter, type ImageDetection, type Inspection, type InspectionUpdate, type PriceTable } from '@fieldtrace/protocol';
import {
  claimNextInspection, emptyMessageBatch, finishInspection, listInspectionImages, replaceFindings, saveImageDetections,
  type NewFinding,
} from '@fieldtrace/store';
import { encodeJpeg } from '@fieldtrace/inspection';
import { openHarness, recordBus, type Harness } from '../test-support/harness.js';
import { OFFSET_CONTENT_TYPE } from './images.js';

let h: Harness;
let imageDir: string;
let admin: string;
let dispatcher: string;
let analyst: string;

const T0 = Date.UTC(2025, 5, 2, 9, 15, 0);
const SITE = { id: 'elm', name: 'Elm Street 4 & Sons', location: [-0.1276, 51.5072] as [number, number] };
/** About 19 × 11 m around the site, [lon, lat], closed. */
const OUTLINE: Array<[number, number]> = [
  [-0.12774, 51.50715], [-0.12746, 51.50715], [-0.12746, 51.50725], [-0.12774, 51.50725], [-0.12774, 51.50715],
];
const ROOF = { outline: OUTLINE, heightM: 6.5 };
const poseA = { ts: T0 + 1000, lat: 51.50719, lon: -0.12761, altRel: 30.5, gimbalPitch: -90, yaw: 12, width: 5472, height: 3648, cameraProfile: 'default' };
const poseB = { ts: T0 + 4000, lat: 51.50721, lon: -0.12757, altRel: 30.1, gimbalPitch: -90, yaw: 14, width: 5472, height: 3648 };

before(async () => {
  imageDir = await mkdtemp(join(tmpdir(), 'ft-inspections-'));
  h = await openHarness({ config: { IMAGE_DIR: imageDir } });
  h.clock.set(T0 + 3_600_000);
  admin = await h.tenant('roofs');
  dispatcher = await h.key(admin, 'dispatcher');
  analyst = await h.key(admin, 'analyst');
  assert.equal((await h.call('POST', '/v1/sites', admin, SITE)).statusCode, 201);
  assert.equal((await h.call('POST', '/v1/jobs', admin, { id: 'j1', siteId: 'elm', title: 'Hail check' })).statusCode, 201);
  assert.equal((await h.call('POST', '/v1/devices', admin, { id: 'gs1', kind: 'ground-station' })).statusCode, 201);
  await upload('DJI_0001.JPG', Buffer.from('first picture'), poseA);
  await upload('DJI_0002.JPG', Buffer.from('second picture'), poseB);
});
after(async () => {
  await h.close();
  await rm(imageDir, { recursive: true, force: true });
});

async function upload(imageId: string, bytes: Buffer, metadata: object) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const created = await h.call('POST', '/v1/images', admin, { imageId, byteLength: bytes.length, sha256, contentType: 'image/jpeg', metadata });
  assert.equal(created.statusCode, 201, created.body);
  const patched = await h.api.app.inject({
    method: 'PATCH',
    url: `/v1/images/${imageId}/content`,
    headers: { authorization: `Bearer ${admin}`, 'content-type': OFFSET_CONTENT_TYPE, 'upload-offset': '0' },
    payload: bytes,
  });
  assert.equal(patched.statusCode, 204, patched.body);
}

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json() as { code: string; detail: string };
  assert.equal(body.code, code);
  return body;
}

const { ts: _tsA, ...poseOnlyA } = poseA;
const { ts: _tsB, ...poseOnlyB } = poseB;

describe('site roofs', () => {
  test('a roof that is not a closed ring, encloses nothing, or lies far from the site is refused with 400', async () => {
    const open = { ...ROOF, outline: OUTLINE.slice(0, 4) };
    assert.match(assertProblem(await h.call('PUT', '/v1/sites/elm/roof', admin, open), 400, 'FT_VALIDATION').detail, /not closed/);
    const flat = { ...ROOF, outline: [OUTLINE[0], OUTLINE[1], OUTLINE[0], OUTLINE[1], OUTLINE[0]] };
    assert.match(assertProblem(await h.call('PUT', '/v1/sites/elm/roof', admin, flat), 400, 'FT_VALIDATION').detail, /encloses/);
    const swapped = { ...ROOF, outline: OUTLINE.map(([lon, lat]) => [lat, lon]) };
    assert.match(assertProblem(await h.call('PUT', '/v1/sites/elm/roof', admin, swapped), 400, 'FT_VALIDATION').detail, /\[lon, lat\]/);
    assertProblem(await h.call('PUT', '/v1/sites/elm/roof', admin, { ...ROOF, outline: OUTLINE.slice(0, 3) }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('PUT', '/v1/sites/nope/roof', admin, ROOF), 404, 'FT_NOT_FOUND');
    assert.equal((await h.call('PUT', '/v1/sites/elm/roof', analyst, ROOF)).statusCode, 403);
    assert.equal((await h.call('GET', '/v1/sites/elm', analyst)).json().roof, null);
  });

  test('a roof is set on a site, or given when the site is created, and served with it', async () => {
    const res = await h.call('PUT', '/v1/sites/elm/roof', dispatcher, ROOF);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().roof, ROOF);
    assert.deepEqual((await h.call('GET', '/v1/sites/elm', analyst)).json().roof, ROOF);
    const created = await h.call('POST', '/v1/sites', admin, { id: 'oak', name: 'Oak', location: SITE.location, roof: { ...ROOF, areaM2: 240 } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().roof.areaM2, 240);
    assertProblem(await h.call('POST', '/v1/sites', admin, { id: 'bad', name: 'Bad', location: [2.35, 48.85], roof: ROOF }), 400, 'FT_VALIDATION');
  });
});

describe('inspections', () => {
  let inspection: Inspection;

  test('named images are queued with the poses their uploads declared, and the worker is woken on the bus', async () => {
    const bus = await recordBus<InspectionUpdate>(h.bus, busFilter('inspection', 'roofs'));
    const res = await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { imageIds: ['DJI_0002.JPG', 'DJI_0001.JPG'] });
    assert.equal(res.statusCode, 201, res.body);
    inspection = res.json();
    assert.equal(inspection.status, 'queued');
    assert.deepEqual([inspection.jobId, inspection.siteId, inspection.deviceId, inspection.from], ['j1', 'elm', null, null]);
    assert.deepEqual(inspection.imageIds, ['DJI_0001.JPG', 'DJI_0002.JPG'], 'in capture order');
    assert.match(inspection.id, /^[A-Za-z0-9_-]{1,48}$/);

    const images = await listInspectionImages(h.db, 'roofs', inspection.id);
    assert.deepEqual(images.map((i) => [i.imageId, i.ts, i.source, i.detections]), [
      ['DJI_0001.JPG', poseA.ts, 'upload', null],
      ['DJI_0002.JPG', poseB.ts, 'upload', null],
    ]);
    assert.deepEqual(images[0]!.pose, poseOnlyA);
    assert.deepEqual(images[1]!.pose, poseOnlyB);

    await bus.stop();
    assert.deepEqual(bus.messages.map((m) => m.message), [{
      v: 1, tenantId: 'roofs', inspectionId: inspection.id, jobId: 'j1', siteId: 'elm', status: 'queued', findings: 0, ts: h.clock.now(),
    }]);
    assert.deepEqual((await h.call('GET', `/v1/inspections/${inspection.id}`, analyst)).json(), inspection);
  });

  test('bad requests are problems: unknown images are named, a job must exist, and there must be something to look at', async () => {
    const missing = assertProblem(
      await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { imageIds: ['DJI_0001.JPG', 'NOPE_1.JPG', '../etc'] }), 422, 'FT_IMAGES_MISSING',
    );
    assert.match(missing.detail, /'NOPE_1\.JPG'/);
    assert.match(missing.detail, /'\.\.\/etc'/);
    assert.doesNotMatch(missing.detail, /DJI_0001/);
    assertProblem(await h.call('POST', '/v1/jobs/nope/inspections', dispatcher, { imageIds: ['DJI_0001.JPG'] }), 404, 'FT_NOT_FOUND');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, {}), 422, 'FT_NO_IMAGES');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { from: T0, to: T0 + 1 }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { deviceId: 'ghost', from: T0, to: T0 + 1 }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { deviceId: 'gs1', from: T0, to: T0 - 1 }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { deviceId: 'gs1' }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { deviceId: 'gs1', from: T0 - 7_200_000, to: T0 - 3_600_000 }), 422, 'FT_NO_IMAGES');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { imageIds: ['DJI_0001.JPG'], extra: 1 }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { id: inspection.id, imageIds: ['DJI_0001.JPG'] }), 409, 'FT_CONFLICT');
    assert.equal((await h.call('POST', '/v1/jobs/j1/inspections', analyst, { imageIds: ['DJI_0001.JPG'] })).statusCode, 403);
    const other = await h.tenant('others');
    assertProblem(await h.call('GET', `/v1/inspections/${inspection.id}`, other), 404, 'FT_NOT_FOUND');
  });

  test("a drone's flight window brings the images its ground station announced, and its edge results", async () => {
    const edge: ImageDetection = {
      box: { x1: 100, y1: 100, x2: 180, y2: 160 }, classId: 2, className: 'missing_shingle', confidence: 0.81, lat: 51.5072, lon: -0.1276,
      footprint: [[-0.12761, 51.50719], [-0.12759, 51.50719], [-0.12759, 51.50721], [-0.12761, 51.50719]], areaM2: 0.3, gsdM: 0.008,
    };
    const messages: Array<[kind: string, seq: number, ts: number, body: object]> = [
      // The upload's sidecar pose beats the announcement's for the same picture.
      ['image', 1, poseA.ts, { imageId: 'DJI_0001.JPG', width: 4000, height: 3000, lat: 51.6, lon: -0.2 }],
      ['image', 2, T0 + 7000, { imageId: 'DJI_0003.JPG', width: 5472, height: 3648, lat: 51.50722, lon: -0.12755, altRel: 29.8, gimbalPitch: -90 }],
      ['detections', 3, T0 + 9000, { imageId: 'EDGE_7.JPG', width: 1920, height: 1080, lat: 51.5072, lon: -0.1276, altRel: 31, model: 'roof@edge1', detections: [edge] }],
      ['image', 4, T0 + 3_600_000, { imageId: 'LATER.JPG', width: 10, height: 10, lat: 51.5, lon: -0.1 }],
    ];
    const b = emptyMessageBatch();
    for (const [kind, seq, ts, body] of messages) {
      b.tenantId.push('roofs'); b.deviceId.push('gs1'); b.kind.push(kind); b.seq.push(seq); b.ts.push(ts); b.receivedAt.push(ts + 50);
      b.body.push(JSON.stringify({ v: 1, seq, ts, ...body }));
    }
    for (let i = 0; i < 30; i++) {
      const ts = T0 + i * 500;
      b.tenantId.push('roofs'); b.deviceId.push('gs1'); b.kind.push('drone'); b.seq.push(100 + i); b.ts.push(ts); b.receivedAt.push(ts);
      b.body.push(JSON.stringify({ v: 1, seq: 100 + i, ts, lat: 51.5071 + i * 1e-6, lon: -0.1277 + i * 1e-6, altRel: 30 }));
    }
    await h.db.insertDeviceMessages(b);

    h.clock.advance(60_000);
    const res = await h.call('POST', '/v1/jobs/j1/inspections', dispatcher, { id: 'flight-1', deviceId: 'gs1', from: T0, to: T0 + 60_000 });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().deviceId, res.json().from, res.json().to], ['gs1', T0, T0 + 60_000]);
    const images = await listInspectionImages(h.db, 'roofs', 'flight-1');
    assert.deepEqual(images.map((i) => [i.imageId, i.source, i.model]), [
      ['DJI_0001.JPG', 'upload', null], ['DJI_0003.JPG', 'upload', null], ['EDGE_7.JPG', 'edge', 'roof@edge1'],
    ]);
    assert.deepEqual(images[0]!.pose, { ...poseOnlyA }, 'the sidecar wins field by field');
    assert.deepEqual(images[1]!.pose, { width: 5472, height: 3648, lat: 51.50722, lon: -0.12755, altRel: 29.8, gimbalPitch: -90 });
    assert.deepEqual(images[2]!.detections, [edge]);
    assert.equal(images[2]!.lookedAt, T0 + 9000);
    assert.deepEqual((await h.call('GET', '/v1/jobs/j1/inspections', analyst)).json().map((i: Inspection) => i.id), ['flight-1', inspection.id], 'newest first');
  });

  test('reports and estimates wait for the worker: 409 until the inspection is done', async () => {
    for (const path of ['report.html', 'report.pdf', 'estimate']) {
      assertProblem(await h.call('GET', `/v1/inspections/${inspection.id}/${path}`, analyst), 409, 'FT_INSPECTION_NOT_DONE');
    }
  });

  test('after the worker has been: findings as GeoJSON with the roof, crops, the estimate and the report', async () => {
    // The worker, with the store functions it uses.
    const now = h.clock.now();
    const claimed = await claimNextInspection(h.db, now);
    assert.equal(claimed?.id, inspection.id, 'the oldest queued inspection');
    const hail: ImageDetection = {
      box: { x1: 2000, y1: 1500, x2: 2300, y2: 1800 }, classId: 1, className: 'hail', confidence: 0.9, lat: 51.5072, lon: -0.1276,
      footprint: [[-0.12762, 51.50719], [-0.12758, 51.50719], [-0.12758, 51.50721], [-0.12762, 51.50721], [-0.12762, 51.50719]], areaM2: 12, gsdM: 0.008,
    };
    assert.equal(await saveImageDetections(h.db, 'roofs', inspection.id, 'DJI_0001.JPG', [hail], 'roof@1', now), true);
    assert.equal(await saveImageDetections(h.db, 'roofs', inspection.id, 'DJI_0002.JPG', [], 'roof@1', now), true);
    const crop = await encodeJpeg({ data: new Uint8Array(32 * 32 * 3).fill(128), width: 32, height: 32 });
    const onRoof: NewFinding = {
      id: `${inspection.id}-1`, className: 'hail', severity: 'high', confidence: 0.9, lat: hail.lat, lon: hail.lon, footprint: hail.footprint,
      areaM2: 12, outsideRoof: false, views: [{ imageId: 'DJI_0001.JPG', box: hail.box, confidence: 0.9 }], crop,
    };
    const outside: NewFinding = {
      ...onRoof, id: `${inspection.id}-2`, className: 'lifted_shingle', severity: 'low', lat: 51.5074, lon: -0.1279, areaM2: 0.5,
      footprint: [[-0.12791, 51.50739], [-0.12789, 51.50739], [-0.12789, 51.50741], [-0.12791, 51.50739]], outsideRoof: true, crop: null,
    };
    assert.equal(await replaceFindings(h.db, 'roofs', inspection.id, [onRoof, outside]), 2);
    await finishInspection(h.db, 'roofs', inspection.id, { status: 'done', stats: { images: 2, findings: 2 }, model: 'roof@1' }, now);

    const done = (await h.call('GET', `/v1/inspections/${inspection.id}`, analyst)).json();
    assert.deepEqual([done.status, done.model, done.stats], ['done', 'roof@1', { images: 2, findings: 2 }]);

    const geo = await h.call('GET', `/v1/inspections/${inspection.id}/findings`, analyst);
    assert.equal(geo.statusCode, 200, geo.body);
    assert.match(String(geo.headers['content-type']), /^application\/geo\+json/);
    const fc = geo.json();
    assert.equal(fc.type, 'FeatureCollection');
    assert.deepEqual(fc.features.map((f: { properties: { kind: string } }) => f.properties.kind), ['roof', 'finding', 'finding']);
    const [roof, first, second] = fc.features;
    assert.deepEqual(roof.geometry, { type: 'Polygon', coordinates: [OUTLINE] });
    assert.equal(roof.properties.heightM, 6.5);
    assert.deepEqual(first.geometry.coordinates[0][0], [-0.12762, 51.50719], 'RFC 7946: [lon, lat]');
    assert.deepEqual(first.properties, {
      id: onRoof.id, kind: 'finding', className: 'hail', severity: 'high', confidence: 0.9, areaM2: 12, outsideRoof: false,
      inspectionId: inspection.id, views: 1, lat: 51.5072, lon: -0.1276, cropUrl: `/v1/findings/${onRoof.id}/crop.jpg`,
    });
    assert.equal(second.properties.cropUrl, null);
    assert.equal(second.properties.outsideRoof, true);
    const byJob = (await h.call('GET', '/v1/jobs/j1/findings', analyst)).json();
    assert.deepEqual(byJob, fc, 'the job has findings from this inspection only');
    assertProblem(await h.call('GET', '/v1/jobs/nope/findings', analyst), 404, 'FT_NOT_FOUND');

    const jpeg = await h.call('GET', first.properties.cropUrl, analyst);
    assert.equal(jpeg.statusCode, 200);
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    assert.ok(jpeg.rawPayload.equals(crop));
    assertProblem(await h.call('GET', `/v1/findings/${outside.id}/crop.jpg`, analyst), 404, 'FT_NOT_FOUND');

    // Prices: the default until an admin sets the tenant's own.
    const defaults = (await h.call('GET', '/v1/settings/prices', analyst)).json();
    assert.equal(defaults.isDefault, true);
    assert.equal(defaults.currency, 'USD');
    const table: PriceTable = {
      currency: 'EUR',
      entries: [{ className: 'hail', description: 'Hail repair', per: 'm2', unitPrice: 40 }, { className: 'lifted_shingle', description: 'Reseal', per: 'finding', unitPrice: 60 }],
      fixed: [{ description: 'Call-out', amount: 90 }],
    };
    assert.equal((await h.call('PUT', '/v1/settings/prices', dispatcher, table)).statusCode, 403);
    assertProblem(await h.call('PUT', '/v1/settings/prices', admin, { ...table, entries: [...table.entries, table.entries[0]] }), 400, 'FT_VALIDATION');
    assertProblem(await h.call('PUT', '/v1/settings/prices', admin, { ...table, currency: 'euro' }), 400, 'FT_VALIDATION');
    assert.deepEqual((await h.call('PUT', '/v1/settings/prices', admin, table)).json(), { ...table, isDefault: false });
    assert.deepEqual((await h.call('GET', '/v1/settings/prices', analyst)).json(), { ...table, isDefault: false });

    const estimate = (await h.call('GET', `/v1/inspections/${inspection.id}/estimate`, analyst)).json();
    assert.equal(estimate.currency, 'EUR');
    assert.deepEqual(estimate.lines.map((l: { className: string | null; quantity: number; amount: number; findingIds: string[] }) =>
      [l.className, l.quantity, l.amount, l.findingIds]), [['hail', 12, 480, [onRoof.id]], [null, 1, 90, []]], 'the outside-roof finding is not priced');
    assert.equal(estimate.total, 570);

    const html = await h.call('GET', `/v1/inspections/${inspection.id}/report.html`, analyst);
    assert.equal(html.statusCode, 200, html.body);
    assert.match(String(html.headers['content-type']), /^text\/html/);
    assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
    assert.ok(html.body.includes('Elm Street 4 &amp; Sons'), 'the site name, escaped');
    assert.ok(!html.body.includes('Elm Street 4 & Sons'));
    const pdf = await h.call('GET', `/v1/inspections/${inspection.id}/report.pdf`, analyst);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');

    // An edge-only flight with nothing found still reports, with the drone's track from its telemetry.
    await finishInspection(h.db, 'roofs', 'flight-1', { status: 'done', stats: { images: 3, findings: 0 } }, now);
    const flightPdf = await h.call('GET', '/v1/inspections/flight-1/report.pdf', analyst);
    assert.equal(flightPdf.statusCode, 200, flightPdf.body);
    assert.equal((await h.call('GET', '/v1/inspections/flight-1/estimate', analyst)).json().total, 0);
  });

  test('the routes are in the OpenAPI document under "inspections"', async () => {
    const doc = (await h.call('GET', '/openapi.json')).json();
    for (const path of ['/v1/jobs/{jobId}/inspections', '/v1/inspections/{id}', '/v1/inspections/{id}/findings', '/v1/findings/{id}/crop.jpg',
      '/v1/inspections/{id}/estimate', '/v1/inspections/{id}/report.pdf', '/v1/settings/prices']) {
      const ops = Object.values(doc.paths[path] ?? {}) as Array<{ tags: string[] }>;
      assert.ok(ops.length > 0 && ops.every((op) => op.tags.includes('inspections')), path);
    }
    assert.ok(doc.paths['/v1/sites/{id}/roof'].put);
  });
});

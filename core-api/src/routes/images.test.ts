import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHarness, type Harness } from '../test-support/harness.js';
import { OFFSET_CONTENT_TYPE, imageRoutes } from './images.js';

let h: Harness;
let imageDir: string;
let admin: string;
let provisioner: string;
let analyst: string;

before(async () => {
  imageDir = await mkdtemp(join(tmpdir(), 'ft-images-'));
  h = await openHarness();
  // What the lead adds to app.ts; registered here before the first inject readies the app.
  h.api.app.register(imageRoutes, { prefix: '/v1', imageDir, clock: h.clock });
  admin = await h.tenant('imgs');
  provisioner = await h.key(admin, 'device-provisioning');
  analyst = await h.key(admin, 'analyst');
});
after(async () => {
  await h.close();
  await rm(imageDir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const pose = { ts: Date.UTC(2025, 5, 2, 9, 15, 30), lat: 51.5072, lon: -0.1276, altRel: 35.2, gimbalPitch: -90, width: 4000, height: 3000 };

function announce(imageId: string, bytes: Buffer, key = provisioner, digest = sha(bytes)) {
  return h.call('POST', '/v1/images', key, { imageId, byteLength: bytes.length, sha256: digest, contentType: 'image/jpeg', metadata: pose });
}
function patch(imageId: string, offset: number, chunk: Buffer, key = provisioner) {
  return h.api.app.inject({
    method: 'PATCH',
    url: `/v1/images/${imageId}/content`,
    headers: { authorization: `Bearer ${key}`, 'content-type': OFFSET_CONTENT_TYPE, 'upload-offset': String(offset) },
    payload: chunk,
  });
}

describe('resumable image upload', () => {
  test('an image sent in three chunks is complete, and GET returns the same bytes and its pose', async () => {
    const bytes = randomBytes(300_000);
    const created = await announce('DJI_0001.JPG', bytes);
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), {
      imageId: 'DJI_0001.JPG', status: 'uploading', offset: 0, byteLength: bytes.length,
      uploadUrl: '/v1/images/DJI_0001.JPG/content', contentUrl: '/v1/images/DJI_0001.JPG/content',
    });
    const cuts = [0, 100_000, 250_000, bytes.length];
    for (let i = 0; i < 3; i++) {
      const res = await patch('DJI_0001.JPG', cuts[i]!, bytes.subarray(cuts[i], cuts[i + 1]));
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(res.headers['upload-offset'], String(cuts[i + 1]));
    }
    const info = await h.call('GET', '/v1/images/DJI_0001.JPG', analyst);
    assert.equal(info.json().status, 'complete');
    assert.deepEqual(info.json().metadata, pose);
    const content = await h.call('GET', '/v1/images/DJI_0001.JPG/content', analyst);
    assert.equal(content.statusCode, 200);
    assert.equal(content.headers['content-type'], 'image/jpeg');
    assert.ok(content.rawPayload.equals(bytes));
  });

  test('a chunk at the wrong offset is refused with 409 naming the offset the server holds', async () => {
    const bytes = randomBytes(1000);
    await announce('wrong-offset', bytes);
    assert.equal((await patch('wrong-offset', 0, bytes.subarray(0, 400))).statusCode, 204);
    const res = await patch('wrong-offset', 0, bytes.subarray(0, 400));
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'FT_UPLOAD_OFFSET');
    assert.equal(res.json().offset, 400);
    assert.equal(res.headers['upload-offset'], '400');
    const head = await h.api.app.inject({ method: 'HEAD', url: '/v1/images/wrong-offset/content', headers: { authorization: `Bearer ${provisioner}` } });
    assert.equal(head.headers['upload-offset'], '400');
    assert.equal(head.headers['upload-length'], '1000');
    assert.equal((await h.call('GET', '/v1/images/wrong-offset/content', analyst)).statusCode, 409, 'incomplete bytes are not served');
  });

  test('after a client "crash" a repeated POST returns the current offset and the upload completes from there', async () => {
    const bytes = randomBytes(5000);
    await announce('resume-me', bytes);
    await patch('resume-me', 0, bytes.subarray(0, 2048));
    const again = await announce('resume-me', bytes);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().offset, 2048);
    assert.equal((await patch('resume-me', 2048, bytes.subarray(2048))).statusCode, 204);
    const done = await announce('resume-me', bytes);
    assert.deepEqual([done.json().status, done.json().offset], ['complete', 5000]);
    assert.equal((await patch('resume-me', 5000, Buffer.from('x'))).statusCode, 409, 'nothing is appended to a complete image');
    assert.ok((await h.call('GET', '/v1/images/resume-me/content', analyst)).rawPayload.equals(bytes));
    // The same id with other content is a conflict, not an overwrite.
    assert.equal((await announce('resume-me', randomBytes(5000))).statusCode, 409);
  });

  test('a crash after the verified bytes were moved but before the sidecar said so still reads as complete', async () => {
    const bytes = randomBytes(3000);
    await announce('crash-at-end', bytes);
    await patch('crash-at-end', 0, bytes);
    const sidecar = join(imageDir, 'imgs', 'crash-at-end.json');
    await writeFile(sidecar, JSON.stringify({ ...JSON.parse(await readFile(sidecar, 'utf8')), status: 'uploading' }));
    const again = await announce('crash-at-end', bytes);
    assert.deepEqual([again.json().status, again.json().offset], ['complete', 3000]);
    assert.ok((await h.call('GET', '/v1/images/crash-at-end/content', analyst)).rawPayload.equals(bytes));
  });

  test('bytes whose sha256 differs from the declared one are discarded with 422', async () => {
    const bytes = randomBytes(2000);
    await announce('corrupt', bytes, provisioner, sha(Buffer.from('something else')));
    const res = await patch('corrupt', 0, bytes);
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'FT_IMAGE_DIGEST_MISMATCH');
    assert.equal((await h.call('GET', '/v1/images/corrupt', analyst)).statusCode, 404);
    assert.deepEqual((await readdir(join(imageDir, 'imgs'))).filter((f) => f.startsWith('corrupt')), []);
    assert.equal((await announce('corrupt', bytes)).statusCode, 201, 'a fresh start is possible');
  });

  test('a chunk past the declared length is refused and nothing is written', async () => {
    const bytes = randomBytes(100);
    await announce('too-long', bytes);
    assert.equal((await patch('too-long', 0, randomBytes(101))).statusCode, 400);
    assert.equal((await h.call('GET', '/v1/images/too-long', analyst)).json().offset, 0);
  });

  test('chunks above the app-wide 1 MiB body limit are accepted up to 8 MiB; a larger chunk is 413', async () => {
    const bytes = randomBytes(11 * 1024 * 1024);
    await announce('big', bytes);
    assert.equal((await patch('big', 0, bytes.subarray(0, 2 * 1024 * 1024))).statusCode, 204);
    const res = await patch('big', 2 * 1024 * 1024, bytes.subarray(2 * 1024 * 1024));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'FT_PAYLOAD_TOO_LARGE');
  });

  test('analysts read but may not upload; anonymous callers get 401', async () => {
    const bytes = randomBytes(10);
    assert.equal((await announce('by-analyst', bytes, analyst)).statusCode, 403);
    assert.equal((await announce('by-admin', bytes, admin)).statusCode, 201);
    assert.equal((await patch('by-admin', 0, bytes, analyst)).statusCode, 403);
    assert.equal((await h.call('GET', '/v1/images/by-admin', null)).statusCode, 401);
  });

  test('image ids outside the allowed charset, or containing "..", are refused with 400', async () => {
    for (const id of ['../etc', 'a..b', 'sp ace', 'x'.repeat(129)]) {
      const res = await announce(id, Buffer.from('x'));
      assert.equal(res.statusCode, 400, id);
      assert.equal(res.json().code, 'FT_VALIDATION');
    }
    assert.equal((await h.call('GET', '/v1/images/a..b', analyst)).statusCode, 400);
  });

  test('the upload protocol is in the OpenAPI document', async () => {
    const doc = (await h.call('GET', '/openapi.json')).json();
    // @fastify/swagger leaves HEAD routes out unless its `exposeHeadRoutes` option is on (http/openapi.ts).
    assert.deepEqual(Object.keys(doc.paths['/v1/images/{imageId}/content']).sort(), ['get', 'patch']);
    assert.ok(doc.paths['/v1/images'].post);
  });

  test('images are per tenant: another tenant cannot see or append to them', async () => {
    const other = await h.tenant('other');
    assert.equal((await h.call('GET', '/v1/images/DJI_0001.JPG', other)).statusCode, 404);
    assert.equal((await patch('wrong-offset', 400, Buffer.from('x'), other)).statusCode, 404);
  });
});

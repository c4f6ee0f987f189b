import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock, type Clock } from '@fieldtrace/service-kit';
import { FakeClock, waitFor } from '@fieldtrace/testkit';
import type { Reading } from '../sources/source.js';
import { buildImageryWatcher, type ImageryWatcher, type ImageryWatcherConfig } from './imagery-watcher.js';
import { createPoseHistory } from './pose-history.js';
import type { EdgeInference } from './edge-inference.js';
import { djiXmp, jpegWithGps, png } from './test-images.js';
import { startUploadServer, type Fault } from './test-upload-server.js';

const CHUNK = 64 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ft-imagery-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function setup(name: string, fault?: (n: number) => Fault) {
  const dir = join(root, name, 'photos');
  const stateDir = join(root, name, 'state');
  await mkdir(dir, { recursive: true });
  const server = await startUploadServer(fault);
  const readings: Reading[] = [];
  const watchers: ImageryWatcher[] = [];
  const start = async (extra: Partial<ImageryWatcherConfig> = {}, clock: Clock = systemClock, poseAt?: (ts: number) => undefined | object) => {
    const w = buildImageryWatcher(
      { dir, stateDir, apiBaseUrl: server.url, apiKey: 'test-key', chunkBytes: CHUNK, settleMs: 30, rescanMs: 60,
        backoff: { minMs: 10, maxMs: 50, jitter: 0.5 }, camera: { profile: 'test-cam', widthPx: 4000, heightPx: 3000 }, ...extra },
      { clock, logger: silentLogger, ...(poseAt ? { poseAt } : {}) },
    );
    watchers.push(w);
    await w.start((r) => readings.push(r));
    return w;
  };
  const cleanup = async () => {
    for (const w of watchers) await w.close();
    await server.close();
  };
  return { dir, stateDir, server, readings, start, cleanup };
}

describe('imagery watcher', () => {
  test('a JPEG dropped in the folder is uploaded in chunks and announced with its EXIF pose and content URL', async (t) => {
    const s = await setup('happy');
    t.after(s.cleanup);
    const xmp = djiXmp({ relAlt: 40, gimbalPitch: -90, gimbalYaw: 5, flightYaw: 4 });
    const bytes = Buffer.concat([jpegWithGps({ lat: 43.7384, lon: 7.4246, date: '2025:06:02', time: [9, 15, 30], xmp }), Buffer.alloc(200_000, 7)]);
    const w = await s.start({ camera: { profile: 'zenmuse-h20', widthPx: 5184, heightPx: 3888 }, deviceId: 'gcs-1' });
    await writeFile(join(s.dir, 'DJI_0001.JPG'), bytes);
    await writeFile(join(s.dir, 'notes.txt'), 'not an image');

    await waitFor('upload', () => w.stats().uploaded === 1);
    const [reading] = s.readings;
    const image = [...s.server.images.values()][0]!;
    assert.equal(image.complete, true);
    assert.equal(sha(image.bytes), sha(bytes));
    assert.equal(image.meta.metadata.deviceId, 'gcs-1');
    assert.equal(s.server.log.filter((l) => l.startsWith('PATCH')).length, Math.ceil(bytes.length / CHUNK));
    assert.deepEqual(reading, {
      kind: 'image',
      body: {
        ts: Date.UTC(2025, 5, 2, 9, 15, 30), lat: 43.7384, lon: 7.4246, altRel: 40, gimbalPitch: -90, gimbalYaw: 5, yaw: 4,
        imageId: image.meta.imageId, uri: `${s.server.url}/v1/images/${image.meta.imageId}/content`,
        width: 5184, height: 3888, cameraProfile: 'zenmuse-h20',
      },
    });
    assert.match(image.meta.imageId, /^DJI_0001-[0-9a-f]{16}$/);
    assert.deepEqual(pick(w.stats(), 'found', 'uploaded', 'failed', 'bytes'), { found: 1, uploaded: 1, failed: 0, bytes: bytes.length });
  });

  test('a PNG without EXIF takes its pose from the autopilot reading nearest its file time', async (t) => {
    const s = await setup('mavlink-pose');
    t.after(s.cleanup);
    const history = createPoseHistory({ toleranceMs: 60_000 });
    history.record({ kind: 'image', body: { ts: Date.now(), imageId: 'mav1-cam0-img1', width: 640, height: 480, lat: -33.86, lon: 151.2, gimbalPitch: -30 } });
    await s.start({}, systemClock, history.poseAt);
    await writeFile(join(s.dir, 'frame-0001.png'), png(16, 8, 10_000));
    const [reading] = await waitFor('image reading', () => (s.readings.length > 0 ? s.readings : null));
    const body = reading!.kind === 'image' ? reading!.body : assert.fail('not an image');
    assert.deepEqual([body.lat, body.lon, body.gimbalPitch, body.width, body.height], [-33.86, 151.2, -30, 16, 8]);
  });

  test('a connection dropped mid-upload (after the server stored a chunk, and before) resumes without gaps or duplicates', async (t) => {
    const s = await setup('flaky', (n) => (n === 1 ? 'drop-after-write' : n === 3 ? 'drop' : undefined));
    t.after(s.cleanup);
    const bytes = png(64, 64, 5 * CHUNK);
    const w = await s.start();
    await writeFile(join(s.dir, 'a.png'), bytes);
    await waitFor('upload', () => w.stats().uploaded === 1);
    const image = [...s.server.images.values()][0]!;
    assert.equal(sha(image.bytes), sha(bytes));
    assert.equal(s.server.bytesReceived(), bytes.length, 'every byte stored exactly once');
    assert.ok(w.stats().retries! >= 2);
    assert.equal(w.stats().found, 1, 'a retried file is still one file');
    assert.ok(s.server.log.some((l) => l.startsWith('HEAD')), 'the offset is asked of the server after a failure');
  });

  test('after a restart a new watcher resumes at the server offset, and a finished image is never sent again', async (t) => {
    let broken = true;
    const s = await setup('restart', (n) => (broken && n >= 1 ? 'drop' : undefined));
    t.after(s.cleanup);
    const bytes = geotaggedJpeg(4 * CHUNK);
    const first = await s.start();
    await writeFile(join(s.dir, 'b.jpg'), bytes);
    await waitFor('first chunk and a failure', () => first.stats().retries! >= 1);
    await first.close();
    assert.equal([...s.server.images.values()][0]!.bytes.length, CHUNK);

    broken = false;
    const second = await s.start();
    await waitFor('upload after restart', () => second.stats().uploaded === 1);
    const image = [...s.server.images.values()][0]!;
    assert.equal(sha(image.bytes), sha(bytes));
    assert.equal(s.server.bytesReceived(), bytes.length, 'the chunk sent before the restart is not sent again');
    assert.equal(second.stats().resumed, 1);
    assert.equal(s.server.log.filter((l) => l.startsWith('POST')).length, 1, 'the restarted watcher asks HEAD, not POST');
    assert.equal(s.readings.length, 1);

    const requestsBefore = s.server.log.length;
    const third = await s.start();
    await third.scanNow();
    await waitFor('a settled rescan', async () => (await third.scanNow(), third.stats().alreadyDone === 1));
    assert.equal(s.server.log.length, requestsBefore, 'no request for a finished image');
    assert.equal(s.readings.length, 1);
  });

  test('a file still being written is not uploaded until it has stopped growing for settleMs', async (t) => {
    const s = await setup('settle');
    t.after(s.cleanup);
    const clock = new FakeClock();
    const bytes = png(64, 64, 3 * CHUNK);
    const w = await s.start({ settleMs: 1000, rescanMs: 3_600_000 }, clock);
    const path = join(s.dir, 'growing.png');
    await writeFile(path, bytes.subarray(0, CHUNK));
    await w.scanNow();
    clock.advance(1500);
    await appendFile(path, bytes.subarray(CHUNK));
    await w.scanNow();
    clock.advance(500);
    await w.scanNow();
    assert.equal(s.server.log.length, 0, 'nothing is sent while the file changes or before it settled');
    clock.advance(600);
    await w.scanNow();
    await waitFor('upload', () => w.stats().uploaded === 1);
    assert.equal(sha([...s.server.images.values()][0]!.bytes), sha(bytes));
  });

  test('edge inference over a poor link: detections sent once per picture, the picture kept, its pose announced without bytes', async (t) => {
    const s = await setup('edge');
    t.after(s.cleanup);
    const inspected: string[] = [];
    const inference: EdgeInference = {
      async inspect(_path, imageId, pose) {
        inspected.push(imageId);
        return {
          ts: pose.ts, imageId, width: 4000, height: 3000, lat: pose.lat!, lon: pose.lon!, altRel: 30, model: 'fake@1',
          detections: [{
            box: { x1: 10, y1: 10, x2: 50, y2: 50 }, classId: 1, className: 'hail', confidence: 0.9, lat: pose.lat!, lon: pose.lon!,
            footprint: [[2.35, 48.85], [2.3501, 48.85], [2.3501, 48.8501], [2.35, 48.85]], areaM2: 0.2, gsdM: 0.008,
          }],
        };
      },
      async close() {},
    };
    const start = async () => {
      const w = buildImageryWatcher(
        { dir: s.dir, stateDir: s.stateDir, apiBaseUrl: s.server.url, apiKey: 'k', settleMs: 30, rescanMs: 60, upload: 'findings', camera: { profile: 'cam', widthPx: 4000, heightPx: 3000 } },
        { clock: systemClock, logger: silentLogger, inference },
      );
      await w.start((r) => s.readings.push(r));
      return w;
    };
    const first = await start();
    await writeFile(join(s.dir, 'roof.jpg'), geotaggedJpeg(50_000));
    await waitFor('looked at', () => first.stats().keptLocal === 1);
    await first.close();
    assert.deepEqual(s.readings.map((r) => r.kind), ['detections', 'image']);
    const image = s.readings[1]!.body as { uri?: string; lat: number };
    assert.equal(image.uri, undefined, 'no content URL: the bytes never left the station');
    assert.equal(image.lat, 48.85);
    assert.equal(s.server.log.length, 0, 'nothing was uploaded');

    // A restart finds the picture done: the model does not run again and nothing is sent twice.
    const second = await start();
    await second.scanNow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await second.close();
    assert.equal(inspected.length, 1);
    assert.equal(s.readings.length, 2);
  });
});

/** A geotagged JPEG padded to about `size` bytes (exifr reads only the header segments). */
function geotaggedJpeg(size: number): Buffer {
  const head = jpegWithGps({ lat: 48.85, lon: 2.35, date: '2025:06:02', time: [10, 0, 0] });
  return Buffer.concat([head, Buffer.alloc(size, 1)]);
}

function pick(o: Record<string, number>, ...keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

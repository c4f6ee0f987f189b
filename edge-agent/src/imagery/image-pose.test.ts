import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureTime, mergePose, readEmbeddedPose } from './image-pose.js';
import { createPoseHistory } from './pose-history.js';
import { djiXmp, jpegWithGps, png } from './test-images.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-pose-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('pose from the image file', () => {
  test('a JPEG with an EXIF GPS IFD and DJI XMP gives position, UTC capture time, altitude and angles', async () => {
    const path = join(dir, 'DJI_0001.JPG');
    const xmp = djiXmp({ relAlt: 35.2, gimbalPitch: -90, gimbalYaw: 12.3, flightYaw: -11.5 });
    await writeFile(path, jpegWithGps({ lat: 51.5072, lon: -0.1276, date: '2025:06:02', time: [9, 15, 30], xmp }));
    assert.deepEqual(await readEmbeddedPose(path), {
      ts: Date.UTC(2025, 5, 2, 9, 15, 30),
      lat: 51.5072,
      lon: -0.1276,
      altRel: 35.2,
      gimbalPitch: -90,
      gimbalYaw: 12.3,
      yaw: 348.5, // DJI's ±180 flight yaw as a 0–360 heading, like the MAVLink path
    });
  });

  test('a PNG without EXIF gives only its pixel size; the autopilot fills the pose', async () => {
    const path = join(dir, 'frame.png');
    await writeFile(path, png(32, 24));
    const embedded = await readEmbeddedPose(path);
    assert.deepEqual(embedded, { width: 32, height: 24 });
    const merged = mergePose(embedded, { ts: 1_750_000_000_000, lat: 43.7, lon: 7.42, width: 4000, height: 3000, gimbalPitch: -45 });
    assert.deepEqual(merged, { ts: 1_750_000_000_000, lat: 43.7, lon: 7.42, width: 32, height: 24, gimbalPitch: -45 });
  });

  test('a file that is not an image, or is truncated, has no pose and does not throw', async () => {
    const path = join(dir, 'broken.jpg');
    await writeFile(path, jpegWithGps({ lat: 1, lon: 2, date: '2025:06:02', time: [1, 2, 3] }).subarray(0, 40));
    assert.deepEqual(await readEmbeddedPose(path), {});
    await writeFile(path, 'not a picture at all');
    assert.deepEqual(await readEmbeddedPose(path), {});
  });

  test('DateTimeOriginal counts only with its UTC offset; local time alone is unknown', () => {
    assert.equal(captureTime({ DateTimeOriginal: '2025:06:02 11:15:30', OffsetTimeOriginal: '+02:00' }), Date.UTC(2025, 5, 2, 9, 15, 30));
    assert.equal(captureTime({ DateTimeOriginal: '2025:06:02 11:15:30' }), undefined);
  });
});

describe('pose history from MAVLink readings', () => {
  const t0 = Date.UTC(2025, 5, 2, 9, 0, 0);
  test('the camera-trigger pose nearest in time wins over telemetry; nothing within tolerance is undefined', () => {
    const history = createPoseHistory({ toleranceMs: 1000 });
    history.record({ kind: 'drone', body: { ts: t0, lat: 1, lon: 1, yaw: 10 } });
    history.record({ kind: 'image', body: { ts: t0 + 600, imageId: 'a', width: 4000, height: 3000, lat: 2, lon: 2, gimbalPitch: -90 } });
    history.record({ kind: 'image', body: { ts: t0 + 5000, imageId: 'b', width: 4000, height: 3000, lat: 3, lon: 3 } });
    assert.deepEqual(history.poseAt(t0 + 100), { ts: t0 + 600, width: 4000, height: 3000, lat: 2, lon: 2, gimbalPitch: -90 });
    assert.deepEqual(history.poseAt(t0 - 900), { ts: t0, lat: 1, lon: 1, yaw: 10 });
    assert.equal(history.poseAt(t0 + 3000), undefined);
  });
});

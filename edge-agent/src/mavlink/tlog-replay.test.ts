import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replayTlog } from './tlog-replay.js';
import { mavlinkFixture } from './test-support.js';

// dronekit-test.tlog spans 6 s of recording (README: 01:39:11–01:39:17).
test('replay at a speed factor keeps the recorded spacing; speed 0 runs as fast as possible', async () => {
  const path = mavlinkFixture('dronekit-test.tlog');
  const logged: number[] = [];
  const emittedAt: number[] = [];
  const t0 = performance.now();
  await replayTlog(path, { speed: 50 }, (r) => {
    logged.push(r.loggedAtMs);
    emittedAt.push(performance.now() - t0);
  });
  const span = logged.at(-1)! - logged[0]!;
  assert.ok(span > 5000 && span < 7000, `recorded span ${span} ms`);
  const elapsed = emittedAt.at(-1)!;
  assert.ok(elapsed >= span / 50 - 5, `took ${elapsed} ms for ${span / 50} ms of scaled time`);
  // Half-way through the recording, about half the scaled time has passed.
  const mid = logged.findIndex((t) => t - logged[0]! >= span / 2);
  assert.ok(emittedAt[mid]! >= span / 100 - 5, `mid-point emitted at ${emittedAt[mid]} ms`);

  const fast0 = performance.now();
  let n = 0;
  await replayTlog(path, { speed: 0 }, () => n++);
  assert.equal(n, logged.length);
  assert.ok(performance.now() - fast0 < elapsed, 'speed 0 is faster than paced replay');
});

test('closing (abort) stops a real-time replay early', async () => {
  const controller = new AbortController();
  let n = 0;
  const replay = replayTlog(mavlinkFixture('dronekit-test.tlog'), { speed: 1, signal: controller.signal }, () => n++);
  await new Promise((resolve) => setTimeout(resolve, 200));
  controller.abort();
  const t0 = performance.now();
  await replay;
  assert.ok(performance.now() - t0 < 500, 'returns promptly after abort');
  assert.ok(n > 0 && n < 417, `${n} records before abort`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeFrames, scanFrames } from './record-frame.js';

const payloads = Array.from({ length: 50 }, (_, i) => Buffer.from(JSON.stringify({ kind: 'fix', message: { v: 1, seq: i } })));

test('a log cut at any byte yields exactly the complete frames before the cut, and names the torn offset', () => {
  const log = encodeFrames(payloads);
  for (let cut = 0; cut <= log.length; cut += 7) {
    const seen: number[] = [];
    const scan = scanFrames(log.subarray(0, cut), (p) => void seen.push((JSON.parse(p.toString()) as { message: { seq: number } }).message.seq));
    assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i));
    assert.equal(scan.corrupt.length, 0);
    assert.equal(scan.tailAt === null, scan.end === cut, `cut ${cut}`);
  }
});

test('random bytes never throw and are reported as a torn tail or corruption, never as records', () => {
  for (let i = 0; i < 300; i++) {
    const noise = randomBytes(Math.floor(Math.random() * 600));
    let records = 0;
    const scan = scanFrames(noise, () => void records++);
    assert.equal(records, 0);
    assert.ok(noise.length === 0 || scan.tailAt !== null || scan.corrupt.length > 0);
  }
});

test('noise between valid frames is skipped and reported; the frames after it are kept', () => {
  const log = Buffer.concat([encodeFrames(payloads.slice(0, 3)), randomBytes(40), encodeFrames(payloads.slice(3, 6))]);
  let records = 0;
  const scan = scanFrames(log, () => void records++);
  assert.equal(records, 6);
  assert.deepEqual(scan.corrupt.map((c) => c.bytes), [40]);
  assert.equal(scan.tailAt, null);
});

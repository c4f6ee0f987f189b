import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContiguousAcks } from './contiguous-acks.js';

test('the cursor only advances over a contiguous prefix of acknowledged seqs', () => {
  const acks = new ContiguousAcks(-1);
  acks.done(1);
  acks.done(2);
  assert.equal(acks.through, -1, 'seq 0 is unacknowledged: a crash must resend it');
  acks.done(0);
  assert.equal(acks.through, 2);
  acks.done(5);
  acks.done(4);
  assert.equal(acks.through, 2);
  assert.equal(acks.pendingAbove, 2);
  acks.done(3);
  assert.equal(acks.through, 5);
  assert.equal(acks.pendingAbove, 0);
});

test('gone ranges (evicted or corrupt) count as done, also when they close a gap', () => {
  const acks = new ContiguousAcks(9);
  acks.done(20);
  acks.doneRange(10, 20);
  assert.equal(acks.through, 20);
  acks.doneRange(30, 32);
  assert.equal(acks.through, 20);
  acks.doneRange(21, 30);
  assert.equal(acks.through, 31);
});

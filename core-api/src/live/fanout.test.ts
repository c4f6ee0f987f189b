import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveItem, Position } from '@fieldtrace/protocol';
import { createLiveFanout, type LiveSocket } from './fanout.js';

class FakeSocket implements LiveSocket {
  bufferedAmount = 0;
  frames: string[] = [];
  closedWith: number | null = null;
  private listeners: (() => void)[] = [];
  send(frame: string) {
    this.frames.push(frame);
  }
  close(code: number) {
    this.closedWith = code;
    for (const l of this.listeners) l();
  }
  onClose(listener: () => void) {
    this.listeners.push(listener);
  }
  /** What the browser would see: the frames, parsed. */
  items(): LiveItem[][] {
    return this.frames.map((f) => JSON.parse(f) as LiveItem[]);
  }
}

const position = (tenantId: string, seq: number): LiveItem => ({
  type: 'position',
  data: { v: 1, tenantId, deviceId: 'd1', seq, ts: 1_750_000_000_000 + seq, receivedAt: 1_750_000_000_000 + seq, lat: 1, lon: 2, fix: '3d' } satisfies Position,
});

test('items published within one period reach each socket of the tenant as one frame, serialised once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fanout = createLiveFanout({ flushIntervalMs: 50 });
  const a1 = new FakeSocket();
  const a2 = new FakeSocket();
  const b = new FakeSocket();
  fanout.add(a1, 'a');
  fanout.add(a2, 'a');
  fanout.add(b, 'b');

  fanout.publish('a', position('a', 1));
  fanout.publish('a', position('a', 2));
  fanout.publish('b', position('b', 7));
  assert.equal(a1.frames.length, 0, 'nothing before the tick');
  t.mock.timers.tick(50);

  assert.deepEqual(a1.items(), [[position('a', 1), position('a', 2)]]);
  assert.deepEqual(b.items(), [[position('b', 7)]], 'tenant b sees only its own');
  assert.equal(a1.frames[0], a2.frames[0]);
  assert.equal(fanout.stats().framesSent, 3);
  fanout.close();
});

test('a socket with more than 1 MiB queued is skipped and counted, then closed if it never drains', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fanout = createLiveFanout({ flushIntervalMs: 50, maxConsecutiveSkips: 3 });
  const fast = new FakeSocket();
  const slow = new FakeSocket();
  slow.bufferedAmount = 1024 * 1024 + 1;
  fanout.add(fast, 't');
  fanout.add(slow, 't');

  for (let i = 1; i <= 3; i++) {
    fanout.publish('t', position('t', i));
    t.mock.timers.tick(50);
  }
  assert.equal(fast.frames.length, 3);
  assert.equal(slow.frames.length, 0);
  assert.equal(fanout.stats().framesSkipped, 3);
  assert.equal(slow.closedWith, 1013, 'shed with "try again later"; the browser reconnects');
  assert.equal(fanout.size(), 1);
  fanout.close();
});

test('a socket that drains again receives the next frame', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fanout = createLiveFanout({ flushIntervalMs: 50 });
  const s = new FakeSocket();
  fanout.add(s, 't');
  s.bufferedAmount = 2 * 1024 * 1024;
  fanout.publish('t', position('t', 1));
  t.mock.timers.tick(50);
  s.bufferedAmount = 0;
  fanout.publish('t', position('t', 2));
  t.mock.timers.tick(50);
  assert.deepEqual(s.items(), [[position('t', 2)]]);
  fanout.close();
});

test('nothing is queued for a tenant nobody watches, and a closed socket is forgotten', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fanout = createLiveFanout({ flushIntervalMs: 50 });
  fanout.publish('nobody', position('nobody', 1));
  assert.equal(fanout.stats().itemsQueued, 0);
  const s = new FakeSocket();
  fanout.add(s, 't');
  s.close(1000);
  assert.equal(fanout.size(), 0);
  fanout.publish('t', position('t', 1));
  t.mock.timers.tick(50);
  assert.equal(s.frames.length, 0);
  fanout.close();
});

test('close() closes every socket as going away', () => {
  const fanout = createLiveFanout();
  const s = new FakeSocket();
  fanout.add(s, 't');
  fanout.close();
  assert.equal(s.closedWith, 1001);
  assert.equal(fanout.size(), 0);
});

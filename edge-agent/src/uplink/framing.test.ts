import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateUplink } from '@fieldtrace/protocol';
import { stampRecord, type QueueRecord } from '../queue/queue-record.js';
import { createFixBatchFramer, singleRecordFramer, type OutgoingMessage } from './framing.js';

const T0 = 1_763_726_400_000;

function records(kinds: string[]): QueueRecord[] {
  return kinds.map((kind, seq) => {
    if (kind === 'fix') return stampRecord(seq, { kind, body: { ts: T0 + seq * 1000, lat: 43.7 + seq * 1e-5, lon: 7.42, speed: 12.5, fix: '3d' } });
    if (kind === 'sensor') return stampRecord(seq, { kind, body: { ts: T0 + seq * 1000, readings: [{ name: 'fuel', value: 0.5 }] } });
    return stampRecord(seq, { kind, body: { ts: T0 + seq * 1000, uptimeS: seq } });
  });
}

const fixes = (n: number) => records(Array.from({ length: n }, () => 'fix'));

/** Checks every message against the protocol, as ingest will, and returns [kind, seqs inside the payload]. */
function onTheWire(messages: OutgoingMessage[]): [string, number[]][] {
  return messages.map((m) => {
    const value = JSON.parse(m.payload) as { seq?: number; fixes?: { seq: number; ts: number }[] };
    const checked = validateUplink(m.kind, value);
    assert.ok(checked.ok, `${m.kind}: ${checked.ok ? '' : checked.detail}`);
    const payloadSeqs = value.fixes ? value.fixes.map((f) => f.seq) : [value.seq!];
    assert.deepEqual(m.seqs, payloadSeqs, 'the PUBACK acknowledges exactly the seqs the payload carries');
    return [m.kind, payloadSeqs];
  });
}

test('consecutive fixes become fixes messages of at most maxFixes, in seq order, each fix with its own seq and ts', () => {
  const input = fixes(250);
  const { messages, consumed, openBatchAt } = createFixBatchFramer({ maxFixes: 100 }).frame(input, 10);
  const wire = onTheWire(messages);
  assert.deepEqual(wire.map(([kind, seqs]) => [kind, seqs.length]), [['fixes', 100], ['fixes', 100], ['fixes', 50]]);
  assert.deepEqual(wire.flatMap(([, seqs]) => seqs), input.map((r) => r.seq));
  const second = JSON.parse(messages[1]!.payload) as { fixes: { seq: number; ts: number }[] };
  assert.deepEqual(second.fixes[0], JSON.parse(input[100]!.body), 'a batched fix is byte-for-byte the stored fix');
  assert.equal(consumed, 250);
  assert.equal(openBatchAt, 200, 'the short last batch runs to the end of the input: more fixes may still join it');
});

test('other kinds stay single messages and break a run; records that are never sent do not', () => {
  const input = records(['fix', 'fix', 'sensor', 'fix', 'will', 'fix', 'fix', 'status', 'fix']);
  const { messages, consumed, openBatchAt } = createFixBatchFramer({ maxFixes: 100 }).frame(input, 10);
  assert.deepEqual(onTheWire(messages), [
    ['fixes', [0, 1]],
    ['sensor', [2]],
    ['fixes', [3, 5, 6]],
    ['status', [7]],
    ['fix', [8]],
  ]);
  assert.equal(consumed, 9);
  assert.equal(openBatchAt, 8, 'a lone fix at the end is an open batch of one');
  const closed = createFixBatchFramer({ maxFixes: 100 }).frame(records(['fix', 'fix', 'sensor']), 10);
  assert.equal(closed.openBatchAt, null, 'a run closed by another kind is not open');
});

test('the message budget ends the frame at a message boundary and reports how many records it covers', () => {
  const input = records(['fix', 'fix', 'fix', 'sensor', 'fix', 'fix', 'fix']);
  const framer = createFixBatchFramer({ maxFixes: 2 });
  const { messages, consumed, openBatchAt } = framer.frame(input, 3);
  assert.deepEqual(onTheWire(messages), [['fixes', [0, 1]], ['fix', [2]], ['sensor', [3]]]);
  assert.equal(consumed, 4, 'the fixes after the budget are left for the next frame');
  assert.equal(openBatchAt, null);
  const rest = framer.frame(input.slice(consumed), 3);
  assert.deepEqual(onTheWire(rest.messages), [['fixes', [4, 5]], ['fix', [6]]]);
  assert.equal(rest.openBatchAt, 2);
});

test('batches never exceed the payload bound, and maxFixes 1 sends every record exactly as stored', () => {
  const input = fixes(40);
  const bound = 1200;
  const { messages } = createFixBatchFramer({ maxFixes: 500, maxPayloadBytes: bound }).frame(input, 100);
  assert.ok(messages.length > 1);
  for (const m of messages) assert.ok(Buffer.byteLength(m.payload) <= bound, `${Buffer.byteLength(m.payload)} bytes`);
  assert.deepEqual(onTheWire(messages).flatMap(([, seqs]) => seqs), input.map((r) => r.seq));

  const mixed = records(['fix', 'fix', 'sensor', 'will', 'fix']);
  const single = singleRecordFramer.frame(mixed, 10);
  assert.deepEqual(single.messages.map((m) => [m.kind, m.payload]), [0, 1, 2, 4].map((i) => [mixed[i]!.kind, mixed[i]!.body]));
  assert.equal(single.openBatchAt, null);
  assert.equal(createFixBatchFramer({ maxFixes: 10_000 }).maxRecordsPerMessage, 500, 'clamped to MAX_FIXES_PER_MESSAGE');
});

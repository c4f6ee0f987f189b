import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SentenceFramer, type FramerOptions } from './sentence-framer.js';

const RMC = '$GPRMC,095307.801,A,2712.6486,S,15303.1293,E,1.73,279.46,080407,,,A*75';
const GGA = '$GPGGA,095308.801,2712.6469,S,15303.1278,E,1,04,21.1,3.0,M,42.2,M,,*7D';
const GLL = '$GPGLL,2638.1728,N,08011.3893,W,030131.000,A,A*41';

function frame(chunks: Array<string | Uint8Array>, options?: FramerOptions) {
  const out: string[] = [];
  const framer = new SentenceFramer((s) => out.push(s), options);
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return { out, counts: framer.counts() };
}

test('sentences split across chunks at every position come out whole', () => {
  const stream = `${RMC}\r\n${GGA}\r\n`;
  for (let cut = 1; cut < stream.length; cut++) {
    const { out, counts } = frame([stream.slice(0, cut), stream.slice(cut)]);
    assert.deepEqual(out, [RMC, GGA], `cut at ${cut}`);
    assert.equal(counts.sentences, 2);
  }
});

test('byte chunks are framed like text, one byte at a time', () => {
  const bytes = new TextEncoder().encode(`${RMC}\n${GGA}\n`);
  const { out } = frame([...bytes].map((b) => Uint8Array.of(b)));
  assert.deepEqual(out, [RMC, GGA]);
});

test('a wrong checksum is rejected and counted; lowercase hex is accepted', () => {
  const bad = RMC.replace('*75', '*76');
  const lower = GGA.replace('*7D', '*7d');
  const { out, counts } = frame([`${bad}\r\n${lower}\r\n`]);
  assert.deepEqual(out, [lower]);
  assert.equal(counts.rejects['bad-checksum'], 1);
});

test('sentences without a checksum are rejected by default, as gpsd does, and accepted on request', () => {
  const noChecksum = '$GPZDA,222449,25,10,2010,+00,00';
  assert.equal(frame([`${noChecksum}\r\n`]).counts.rejects['no-checksum'], 1);
  assert.deepEqual(frame([`${noChecksum}\r\n`], { requireChecksum: false }).out, [noChecksum]);
});

test('a sentence interrupted by another `$` is dropped and the second one kept (triton400 collision)', () => {
  const { out, counts } = frame([`$GPGGA,030130${GLL}\r\n`]);
  assert.deepEqual(out, [GLL]);
  assert.equal(counts.rejects.truncated, 1);
});

test('NUL bytes inside a sentence abandon it; NUL padding between sentences is ignored', () => {
  const { out, counts } = frame([`$GPRMC,000346.03,A,4808\0\0\0\0       \r\n\0\0${GGA}\r\n`]);
  assert.deepEqual(out, [GGA]);
  assert.equal(counts.rejects.truncated, 1);
  assert.equal(counts.rejects.garbage, 0, 'the rest of the abandoned line belongs to the truncated reject');
});

test('non-NMEA lines between sentences count as garbage, once per run', () => {
  const { out, counts } = frame([`+ 6: 28 (.....)\r\n${RMC}\r\nhello world\r\n`]);
  assert.deepEqual(out, [RMC]);
  assert.equal(counts.rejects.garbage, 2);
});

test('a last sentence without a line end is dropped as truncated at end of input', () => {
  const { out, counts } = frame([`${RMC}\r\n${GGA}`]);
  assert.deepEqual(out, [RMC]);
  assert.equal(counts.rejects.truncated, 1);
});

test('an over-long sentence is rejected without buffering the rest of it', () => {
  const long = `$GPTXT,${'x'.repeat(500)}*00`;
  const { out, counts } = frame([`${long}\r\n${RMC}\r\n`], { maxLength: 100 });
  assert.deepEqual(out, [RMC]);
  assert.equal(counts.rejects['too-long'], 1);
});

test('comment lines are skipped silently only when asked (capture files)', () => {
  const input = `# Device: Haicom $GPRMC in a comment\r\n${RMC}\r\n`;
  const skipped = frame([input], { skipCommentLines: true });
  assert.deepEqual(skipped.out, [RMC]);
  assert.equal(skipped.counts.rejects.garbage + skipped.counts.rejects.truncated, 0);
  const live = frame([input]);
  assert.ok(live.counts.rejects.garbage >= 1);
});

test('blank CRLF lines between sentences are not rejects (gpsdf)', () => {
  const { out, counts } = frame([`${RMC}\r\n\r\n${GGA}\r\n\r\n`]);
  assert.equal(out.length, 2);
  assert.deepEqual(counts.rejects, { 'bad-checksum': 0, 'no-checksum': 0, 'too-long': 0, truncated: 0, garbage: 0 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@fieldtrace/testkit';
import { readdirSync, readFileSync } from 'node:fs';
import { sharedFixture } from '@fieldtrace/testkit';
import type { Epoch } from './epoch.js';
import { epochToFix } from './epoch-to-fix.js';
import { NmeaDecoder } from './nmea-decoder.js';

/** Seeded, so a failure can be replayed from its seed. */
const rng = seededRandom;

const DIR = sharedFixture('fixtures/nmea');
const realLines = readdirSync(DIR)
  .filter((f) => f.endsWith('.log'))
  .flatMap((f) => readFileSync(`${DIR}/${f}`, 'latin1').split('\n'))
  .filter((l) => l.startsWith('$'));

/** Feeds `input` in random-sized chunks and checks the invariants every input must keep. */
function feedAndCheck(input: Uint8Array, random: () => number, label: string): Epoch[] {
  const epochs: Epoch[] = [];
  const decoder = new NmeaDecoder({ onEpoch: (e) => epochs.push(e) }, { maxLength: 120 });
  let offset = 0;
  while (offset < input.length) {
    const size = 1 + Math.floor(random() * 200);
    decoder.push(input.subarray(offset, offset + size));
    offset += size;
  }
  decoder.end();
  const s = decoder.stats();
  let dollars = 0;
  for (const byte of input) if (byte === 0x24) dollars++;
  // Every `$` opens exactly one candidate sentence, and each candidate ends exactly one way.
  const outcomes = s.sentences! + s['reject.bad-checksum']! + s['reject.no-checksum']! + s['reject.too-long']! +
    s['reject.truncated']!;
  assert.equal(outcomes, dollars, `${label}: ${JSON.stringify(s)}`);
  // Every framed sentence is decoded or rejected by the parser for one reason.
  assert.equal(s.decoded! + s['reject.unknown-type']! + s['reject.proprietary']! + s['reject.malformed']!, s.sentences);
  assert.equal(s.epochs, epochs.length);
  for (const epoch of epochs) {
    assert.ok(Number.isFinite(epoch.timeOfDayMs));
    const fix = epochToFix(epoch);
    if (fix.ok) {
      assert.ok(Math.abs(fix.body.lat) <= 90 && Math.abs(fix.body.lon) <= 180, label);
      assert.ok(Number.isInteger(fix.body.ts));
    }
  }
  return epochs;
}

test('random bytes: no exception, counters add up', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = rng(seed);
    const bytes = new Uint8Array(Math.floor(random() * 4000));
    // Bias towards NMEA punctuation so the framer's states are all exercised.
    const alphabet = [0x24, 0x2a, 0x2c, 0x0d, 0x0a, 0x00, 0x47, 0x50, 0x30, 0x41];
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = random() < 0.5 ? alphabet[Math.floor(random() * alphabet.length)]! : Math.floor(random() * 256);
    }
    feedAndCheck(bytes, random, `seed ${seed}`);
  }
});

test('truncated, spliced and concatenated real sentences: no exception, counters add up, fixes stay valid', () => {
  assert.ok(realLines.length > 4000);
  for (let seed = 1; seed <= 100; seed++) {
    const random = rng(seed * 7919);
    const parts: string[] = [];
    for (let i = 0; i < 300; i++) {
      const line = realLines[Math.floor(random() * realLines.length)]!;
      const r = random();
      if (r < 0.15) parts.push(line.slice(0, Math.floor(random() * line.length)));
      else if (r < 0.25) parts.push(line.slice(Math.floor(random() * line.length)));
      else if (r < 0.3) parts.push(line.replace(/\r?$/, '')); // glued onto the next one
      else if (r < 0.33) parts.push(`${line.slice(0, 10)}\0\0\0${line.slice(10)}`);
      else parts.push(line);
      parts.push(random() < 0.9 ? '\n' : '');
    }
    feedAndCheck(new TextEncoder().encode(parts.join('')), random, `seed ${seed}`);
  }
});

test('a clean real log keeps producing fixes when fed one byte at a time', () => {
  const text = readFileSync(`${DIR}/nmea-rtk.log`, 'latin1').split('\n').filter((l) => !l.startsWith('#')).join('\n');
  const random = rng(42);
  const epochs: Epoch[] = [];
  const decoder = new NmeaDecoder({ onEpoch: (e) => epochs.push(e) });
  for (let i = 0; i < text.length; i++) decoder.push(text[i]!);
  decoder.end();
  assert.equal(epochs.filter((e) => epochToFix(e).ok).length, 122);
  feedAndCheck(new TextEncoder().encode(text), random, 'nmea-rtk');
});

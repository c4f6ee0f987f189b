import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { validateUplink } from '@fieldtrace/protocol';
import type { Reading } from '../sources/source.js';
import { parseSensorLine } from './line-protocol.js';
import { createLineSensorSource } from './line-source.js';
import { createSpreaderSimSource } from './spreader-sim.js';

const NOW = 1_795_258_633_491;
const clock = { now: () => NOW };

test('a sensor line gives named readings with units, and its own time when it has one', () => {
  assert.deepEqual(parseSensorLine('spreader_rate=12.5kg/km,ignition=true,engine_temp=88C 1795258000000', NOW), {
    ts: 1795258000000,
    readings: [
      { name: 'spreader_rate', value: 12.5, unit: 'kg/km' },
      { name: 'ignition', value: true },
      { name: 'engine_temp', value: 88, unit: 'C' },
    ],
  });
  assert.deepEqual(parseSensorLine('fuel=-1.5e2', NOW), { ts: NOW, readings: [{ name: 'fuel', value: -150 }] });
});

test('bad lines are refused by reason', () => {
  assert.equal(parseSensorLine('   ', NOW), 'empty');
  assert.equal(parseSensorLine('# comment', NOW), 'empty');
  assert.equal(parseSensorLine('rate', NOW), 'bad-field');
  assert.equal(parseSensorLine('9lives=1', NOW), 'bad-field');
  assert.equal(parseSensorLine('rate=fast', NOW), 'bad-value');
  assert.equal(parseSensorLine('rate=1 yesterday', NOW), 'bad-field');
  assert.equal(parseSensorLine('rate=1 17', NOW), 'bad-time');
  assert.equal(parseSensorLine(Array.from({ length: 65 }, (_, i) => `s${i}=1`).join(','), NOW), 'too-many-fields');
});

test('the line source emits valid sensor readings and counts what it skipped', async () => {
  const input = new PassThrough();
  const source = createLineSensorSource(input, clock);
  const got: Reading[] = [];
  await source.start((r) => got.push(r));
  input.end('ignition=true,pto=false\nnot a reading\nspreader_rate=11.2kg/km 1795258000000\n\n');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(got.length, 2);
  for (const r of got) assert.ok(validateUplink(r.kind, { v: 1, seq: 0, ...r.body }).ok);
  assert.deepEqual(source.stats(), { lines: 4, readings: 2, 'rejected.bad-field': 1 });
  await source.close();
});

test('the simulated spreader reports ignition, PTO, spreader rate and engine temperature that validate', async () => {
  let x = 0.1;
  const source = createSpreaderSimSource(clock, { random: () => (x = (x * 9301 + 0.4929) % 1) });
  const got: Reading[] = [];
  await source.start((r) => got.push(r));
  for (let i = 0; i < 120; i++) source.tick();
  await source.close();
  assert.equal(got.length, 120);
  for (const r of got) assert.ok(validateUplink(r.kind, { v: 1, seq: 0, ...r.body }).ok);
  const rates = got.map((r) => (r.kind === 'sensor' ? r.body.readings.find((s) => s.name === 'spreader_rate')!.value as number : NaN));
  assert.ok(rates.some((v) => v === 0) && rates.some((v) => v > 0), 'the spreader runs in stretches');
});

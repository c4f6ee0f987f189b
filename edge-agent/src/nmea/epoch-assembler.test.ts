import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Epoch } from './epoch.js';
import { NmeaDecoder } from './nmea-decoder.js';

/** Adds the checksum, so tests can write sentences by hand. */
function nmea(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return `$${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

function run(bodies: string[], end = true): { epochs: Epoch[]; decoder: NmeaDecoder } {
  const epochs: Epoch[] = [];
  const decoder = new NmeaDecoder({ onEpoch: (e) => epochs.push(e) });
  for (const body of bodies) decoder.push(nmea(body));
  if (end) decoder.end();
  return { epochs, decoder };
}

const cycle = (hhmmss: string, extra: string[] = [], quality = 1) => [
  `GPRMC,${hhmmss}.00,A,4807.0380,N,01131.0000,E,10.0,90.0,210326,,,A`,
  `GPGGA,${hhmmss}.00,4807.0380,N,01131.0000,E,${quality},08,0.9,545.4,M,46.9,M,,`,
  'GPGSA,A,3,04,05,09,12,,,,,,,,,1.8,0.9,1.5',
  ...extra,
];

test('one epoch per cycle, closed by the next time; units converted', () => {
  const { epochs } = run([...cycle('120000'), ...cycle('120001')]);
  assert.equal(epochs.length, 2);
  const first = epochs[0]!;
  assert.equal(first.time, Date.UTC(2026, 2, 21, 12, 0, 0));
  assert.equal(first.mode, '3d');
  assert.equal(first.quality, '3d');
  assert.ok(Math.abs(first.lat! - 48.1173) < 1e-9);
  assert.equal(first.altMsl, 545.4);
  assert.ok(Math.abs(first.speedMps! - 5.144444) < 1e-6, '10 kn');
  assert.equal(first.trackDeg, 90);
  assert.equal(first.satellites, 8);
  assert.equal(first.hdop, 0.9);
  assert.equal(first.accuracyM, 0.9 * 5, 'HDOP × 5 m UERE without GST');
});

test('after two identical cycles the last sentence is learned as cycle ender and closes the next at once', () => {
  const { epochs, decoder } = run([...cycle('120000'), ...cycle('120001'), ...cycle('120002'), ...cycle('120003')], false);
  // 120000 and 120001 closed by time changes (learning GSA as ender), 120002 by its GSA, 120003 likewise.
  assert.equal(epochs.length, 4);
  assert.equal(decoder.stats().epochsClosedByEnder, 2);
});

test('GST error sigmas give the accuracy when present', () => {
  const { epochs } = run(cycle('120000', ['GPGST,120000.00,1.2,,,,3.0,4.0,5.0']));
  assert.equal(epochs[0]!.accuracyM, 5, 'hypot(3, 4)');
});

test('GGA quality maps to dgps / rtk-fixed / rtk-float; RMC V means no fix', () => {
  assert.equal(run(cycle('120000', [], 2)).epochs[0]!.quality, 'dgps');
  assert.equal(run(cycle('120000', [], 4)).epochs[0]!.quality, 'rtk-fixed');
  assert.equal(run(cycle('120000', [], 5)).epochs[0]!.quality, 'rtk-float');
  const noFix = run(['GPRMC,120000.00,V,,,,,,,210326,,,N', 'GPGGA,120000.00,,,,,0,00,99.9,,,,,,']).epochs[0]!;
  assert.equal(noFix.mode, 'none');
  assert.equal(noFix.lat, undefined);
});

test('GGA-only cycles take the date from the last RMC/ZDA and roll over at midnight', () => {
  const { epochs } = run([
    'GPZDA,235959.00,21,03,2026,,',
    'GPGGA,235959.00,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPGGA,000000.00,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,',
  ]);
  assert.deepEqual(epochs.map((e) => e.time), [Date.UTC(2026, 2, 21, 23, 59, 59), Date.UTC(2026, 2, 22, 0, 0, 0)]);
});

test('without any date the epoch has no time (and cannot become a fix)', () => {
  const { epochs, decoder } = run(['GPGGA,120000.00,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,']);
  assert.equal(epochs[0]!.time, undefined);
  assert.equal(decoder.stats().epochsUndated, 1);
});

test('a timed sentence arriving after its cycle was reported is dropped as late, not reported twice', () => {
  const { epochs, decoder } = run([
    ...cycle('120000'), ...cycle('120001'), ...cycle('120002'),
    'GPGLL,4807.0380,N,01131.0000,E,120002.00,A,A',
  ]);
  assert.equal(epochs.filter((e) => e.timeOfDayMs === 43_202_000).length, 1);
  assert.equal(decoder.stats().lateSentences, 1);
});

test('a GLL-only cycle gets a speed derived from the previous fix', () => {
  const { epochs } = run([
    ...cycle('120000'),
    'GPGLL,4807.0380,N,01131.0100,E,120001.00,A,A',
  ]);
  const last = epochs[1]!;
  assert.equal(last.speedDerived, true);
  // 0.01' of longitude at 48.1° is 12.4 m.
  assert.ok(Math.abs(last.speedMps! - 12.39) < 0.05, String(last.speedMps));
});

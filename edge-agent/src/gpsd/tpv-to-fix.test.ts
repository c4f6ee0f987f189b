import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { validateUplink } from '@fieldtrace/protocol';
import { parseGpsdLine, type GpsdTpv } from './gpsd-messages.js';
import { fixQuality, summariseSky, tpvToFix } from './tpv-to-fix.js';
import { LineSplitter } from './line-splitter.js';
import { backoffDelayMs } from './backoff.js';

// Verbatim from gpsd's regression output for the u-blox NEO-M9N log (fixtures/nmea/ublox-neo-m9n-nmea.log.chk).
const UBLOX_TPV =
  '{"class":"TPV","status":2,"mode":3,"time":"2020-07-11T22:37:45.000Z","ept":0.005,"lat":38.110494000,"lon":-122.626897000,' +
  '"altHAE":53.6000,"altMSL":83.1000,"alt":83.1000,"epx":2.488,"epy":3.164,"epv":4.772,"magvar":13.4,"speed":0.021,' +
  '"geoidSep":-29.500,"eph":2.565,"sep":4.702}';
const UBLOX_SKY = '{"class":"SKY","hdop":0.54,"pdop":0.99,"vdop":0.83,"uSat":12}';

function tpvOf(line: string): GpsdTpv {
  const parsed = parseGpsdLine(line);
  assert.ok(parsed.ok && parsed.message.class === 'TPV', line);
  return parsed.message.tpv;
}

test('a real gpsd TPV + SKY pair becomes a fix the platform accepts, in protocol units', () => {
  const parsed = parseGpsdLine(UBLOX_SKY);
  assert.ok(parsed.ok && parsed.message.class === 'SKY');
  const result = tpvToFix(tpvOf(UBLOX_TPV), summariseSky(parsed.message.sky));
  assert.ok(result.ok);
  assert.deepEqual(result.fix, {
    ts: Date.UTC(2020, 6, 11, 22, 37, 45),
    lat: 38.110494,
    lon: -122.626897,
    alt: 83.1,
    accuracy: 2.565,
    speed: 0.021,
    fix: 'dgps',
    sats: 12,
    hdop: 0.54,
  });
  assert.deepEqual(validateUplink('fix', { v: 1, seq: 0, ...result.fix }).ok, true);
});

test('TPVs without a usable fix are rejected with the reason', () => {
  assert.deepEqual(tpvToFix(tpvOf('{"class":"TPV","device":"/dev/pts/3","mode":1}'), undefined), { ok: false, reason: 'no-fix' });
  assert.deepEqual(tpvToFix(tpvOf('{"class":"TPV","mode":3,"lat":41.5,"lon":-93.7}'), undefined), { ok: false, reason: 'no-time' });
  assert.deepEqual(tpvToFix({ mode: 3, time: 'yesterday', lat: 1, lon: 2 }, undefined), { ok: false, reason: 'bad-time' });
  assert.deepEqual(tpvToFix({ mode: 2, time: '2020-01-01T00:00:00Z' }, undefined), { ok: false, reason: 'bad-position' });
  assert.deepEqual(tpvToFix({ mode: 2, time: '2020-01-01T00:00:00Z', lat: 91, lon: 0 }, undefined), { ok: false, reason: 'bad-position' });
});

test('mode and status map to the fix quality a dispatcher sees', () => {
  assert.equal(fixQuality(0, undefined), 'none');
  assert.equal(fixQuality(2, undefined), '2d');
  assert.equal(fixQuality(3, 1), '3d');
  assert.equal(fixQuality(3, 2), 'dgps');
  assert.equal(fixQuality(3, 3), 'rtk-fixed');
  assert.equal(fixQuality(3, 4), 'rtk-float');
  assert.equal(fixQuality(2, 5), 'dead-reckoning');
});

test('out-of-schema optional values are left out instead of poisoning the fix', () => {
  const r = tpvToFix(
    { mode: 2, time: '2021-05-01T10:00:00.250Z', lat: 10, lon: 20, altMSL: 500, speed: 400, track: 360, epx: 3, epy: 4 },
    { satsUsed: 7 },
  );
  assert.ok(r.ok);
  assert.equal(r.fix.ts, Date.UTC(2021, 4, 1, 10, 0, 0, 250));
  assert.equal(r.fix.alt, undefined, '2D fix: altitude is stale');
  assert.equal(r.fix.speed, undefined, '400 m/s is not a truck');
  assert.equal(r.fix.heading, 0);
  assert.equal(r.fix.accuracy, 5, 'hypot(epx, epy)');
  assert.equal(r.fix.sats, 7);
  assert.equal(validateUplink('fix', { v: 1, seq: 1, ...r.fix }).ok, true);
});

test('SKY without uSat counts satellites flagged used (gpsd < 3.20)', () => {
  const parsed = parseGpsdLine('{"class":"SKY","hdop":1.2,"satellites":[{"PRN":5,"used":true},{"PRN":7,"used":false},{"PRN":9,"used":true}]}');
  assert.ok(parsed.ok && parsed.message.class === 'SKY');
  assert.deepEqual(summariseSky(parsed.message.sky), { satsUsed: 2, hdop: 1.2 });
});

test('parseGpsdLine never throws on garbage and says why it refused', () => {
  assert.deepEqual(parseGpsdLine('{"class":"TPV","mode":3,'), { ok: false, reason: 'bad-json' });
  assert.deepEqual(parseGpsdLine('$GPGGA,1,2,3*00'), { ok: false, reason: 'not-a-report' });
  assert.deepEqual(parseGpsdLine('{"mode":3}'), { ok: false, reason: 'not-a-report' });
  assert.deepEqual(parseGpsdLine('{"class":"TPV","mode":"3","lat":"x"}'), { ok: true, message: { class: 'TPV', tpv: { mode: 0 } } });
  for (let i = 0; i < 2000; i++) {
    const junk = randomBytes(1 + (i % 200)).toString('latin1');
    const cut = UBLOX_TPV.slice(0, i % UBLOX_TPV.length);
    for (const line of [junk, cut, `{${junk}`]) {
      const parsed = parseGpsdLine(line);
      if (parsed.ok && parsed.message.class === 'TPV') tpvToFix(parsed.message.tpv, undefined);
    }
  }
});

test('LineSplitter reassembles lines across chunks, strips CR and drops over-long lines', () => {
  const lines: string[] = [];
  const s = new LineSplitter(20);
  s.push('{"a":1}\r\n{"b"', (l) => lines.push(l));
  s.push(':2}\n', (l) => lines.push(l));
  s.push('x'.repeat(15), (l) => lines.push(l));
  s.push('y'.repeat(15), (l) => lines.push(l));
  s.push('zzz\n{"c":3}\n', (l) => lines.push(l));
  s.push('0123456789012345678901234\nok\n', (l) => lines.push(l));
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}', 'ok']);
  assert.equal(s.overlong, 2);
});

test('backoff grows exponentially to its cap and jitter only shortens it', () => {
  const p = { minMs: 100, maxMs: 1000, jitter: 0.5 };
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelayMs(p, a, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelayMs(p, 2, () => 0.999), 200);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelayMs(p, 5);
    assert.ok(d >= 500 && d <= 1000, String(d));
  }
});

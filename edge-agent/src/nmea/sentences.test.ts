import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSentence, type NmeaSentence } from './sentences.js';

function parsed(raw: string): NmeaSentence {
  const result = parseSentence(raw);
  assert.ok(result.ok, `${raw} should parse`);
  return result.sentence;
}

test('RMC: position, speed in knots, track, date and FAA mode', () => {
  const s = parsed('$GNRMC,095307.801,A,2712.6486,S,15303.1293,E,1.73,279.46,080407,,,D*75');
  assert.equal(s.type, 'RMC');
  if (s.type !== 'RMC') return;
  assert.equal(s.talker, 'GN');
  assert.equal(s.timeMs, ((9 * 60 + 53) * 60 + 7) * 1000 + 801);
  assert.equal(s.valid, true);
  assert.ok(Math.abs((s.lat ?? 0) - -27.21081) < 1e-9);
  assert.ok(Math.abs((s.lon ?? 0) - 153.052155) < 1e-9);
  assert.equal(s.speedKnots, 1.73);
  assert.equal(s.trackDeg, 279.46);
  assert.deepEqual(s.date, { year: 2007, month: 4, day: 8 });
  assert.equal(s.faaMode, 'D');
});

test('GGA with empty fields (no fix yet) parses with the fields undefined', () => {
  const s = parsed('$GPGGA,,,,,,0,,,,,,,,*66');
  assert.equal(s.type, 'GGA');
  if (s.type !== 'GGA') return;
  assert.equal(s.timeMs, undefined);
  assert.equal(s.lat, undefined);
  assert.equal(s.quality, 0);
  assert.equal(s.altMsl, undefined);
});

test('GGA: quality, satellites, HDOP, MSL altitude; west longitude is negative', () => {
  const s = parsed('$GPGGA,030129.00,2638.1726,N,08011.3892,W,4,06,1.5,00016,M,-0028,M,,*50');
  if (s.type !== 'GGA') return assert.fail('GGA expected');
  assert.equal(s.quality, 4);
  assert.equal(s.satellites, 6);
  assert.equal(s.hdop, 1.5);
  assert.equal(s.altMsl, 16);
  assert.ok(Math.abs((s.lon ?? 0) - -80.18982) < 1e-6);
});

test('talkers GP GN GL GA GB BD QZ all reach the same decoder', () => {
  for (const talker of ['GP', 'GN', 'GL', 'GA', 'GB', 'BD', 'QZ']) {
    const s = parsed(`$${talker}GSA,A,3,20,,,,13,31,,04,,,,,02.7,01.4,02.3`);
    assert.equal(s.type, 'GSA');
    if (s.type !== 'GSA') continue;
    assert.equal(s.talker, talker);
    assert.equal(s.fixType, 3);
    assert.equal(s.satellitesUsed, 4);
    assert.equal(s.hdop, 1.4);
  }
});

test('GNS, VTG, GST, GLL, ZDA, GSV', () => {
  const gns = parsed('$GNGNS,014035.00,4332.69262,S,17235.48549,E,RR,13,0.9,25.63,11.24,,*70');
  assert.ok(gns.type === 'GNS' && gns.modes === 'RR' && gns.satellites === 13 && gns.altMsl === 25.63);
  const vtg = parsed('$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A');
  assert.ok(vtg.type === 'VTG' && vtg.trackDeg === 54.7 && vtg.speedKnots === 5.5 && vtg.faaMode === 'A');
  const gst = parsed('$GPGST,131520.00,18,,,,0.70,0.49,1.1');
  assert.ok(gst.type === 'GST' && gst.latErrM === 0.7 && gst.lonErrM === 0.49 && gst.altErrM === 1.1);
  const gll = parsed('$GPGLL,2638.1728,N,08011.3893,W,030131.000,A,A');
  assert.ok(gll.type === 'GLL' && gll.valid && gll.timeMs === 10_891_000);
  const zda = parsed('$GPZDA,000427.00,22,08,1999,,');
  assert.ok(zda.type === 'ZDA' && zda.date?.year === 1999 && zda.date.month === 8 && zda.date.day === 22);
  const gsv = parsed('$GPGSV,3,3,12,2,40,16,00,090,');
  assert.ok(gsv.type === 'GSV' && gsv.messages === 3 && gsv.messageNumber === 3 && gsv.inView === 12);
});

test('rejects: proprietary, unknown type, too few fields, garbage address', () => {
  assert.deepEqual(parseSentence('$PSRF151,01'), { ok: false, reason: 'proprietary' });
  assert.deepEqual(parseSentence('$GPTXT,01,01,02,u-blox'), { ok: false, reason: 'unknown-type' });
  assert.deepEqual(parseSentence('$GPRMC,1,2,3'), { ok: false, reason: 'malformed' });
  assert.deepEqual(parseSentence('$GP,00,0.0,,M,,M,,*5D'), { ok: false, reason: 'unknown-type' });
  assert.deepEqual(parseSentence('$gpRMC,1'), { ok: false, reason: 'malformed' });
  assert.deepEqual(parseSentence('$'), { ok: false, reason: 'malformed' });
});

test('malformed numbers become undefined instead of NaN or a partial parse', () => {
  const s = parsed('$GPRMC,12x456,A,48o8.9993,N,01135.0798,E,0.1x,,991399,,,A');
  if (s.type !== 'RMC') return assert.fail('RMC expected');
  assert.equal(s.timeMs, undefined);
  assert.equal(s.lat, undefined);
  assert.equal(s.speedKnots, undefined);
  assert.equal(s.date, undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedFixture, waitFor } from '@fieldtrace/testkit';
import { validateUplink } from '@fieldtrace/protocol';
import type { Reading } from '../sources/source.js';
import { GpsdSource } from './gpsd-source.js';
import { FakeGpsdServer, freePort } from './fake-gpsd-server.js';

type Fix = Extract<Reading, { kind: 'fix' }>['body'];

/** gpsd's own JSON output for the u-blox NEO-M9N log: several TPVs per epoch, SKY reports in between. */
const UBLOX_REPORTS = readFileSync(sharedFixture('fixtures/nmea/ublox-neo-m9n-nmea.log.chk'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'));

/** What one fix per epoch should look like: the last (most complete) TPV with a fix for each distinct time. */
function expectedEpochs(lines: string[]): Array<{ ts: number; lat: number; lon: number; mode: number }> {
  const byTime = new Map<string, { ts: number; lat: number; lon: number; mode: number }>();
  for (const line of lines) {
    const o = JSON.parse(line) as { class: string; mode?: number; time?: string; lat: number; lon: number };
    if (o.class !== 'TPV' || (o.mode ?? 0) < 2 || !o.time) continue;
    byTime.delete(o.time);
    byTime.set(o.time, { ts: Date.parse(o.time), lat: o.lat, lon: o.lon, mode: o.mode! });
  }
  return [...byTime.values()].sort((a, b) => a.ts - b.ts);
}

function collect(): { fixes: Fix[]; emit: (r: Reading) => void } {
  const fixes: Fix[] = [];
  return { fixes, emit: (r) => (r.kind === 'fix' ? fixes.push(r.body) : undefined) };
}

const fastBackoff = { minMs: 20, maxMs: 100, jitter: 0.5 };

test('sends WATCH, emits one valid fix per receiver epoch and counts every report', async (t) => {
  const server = new FakeGpsdServer((socket) => {
    socket.write('{"class":"VERSION","release":"3.22","rev":"3.22","proto_major":3,"proto_minor":14}\r\n');
    socket.write(UBLOX_REPORTS.map((l) => `${l}\r\n`).join(''));
  });
  const port = await server.listen();
  const source = new GpsdSource({ port, backoff: fastBackoff, epochFlushMs: 50 });
  t.after(async () => {
    await source.close();
    await server.close();
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  const expected = expectedEpochs(UBLOX_REPORTS);
  assert.equal(expected.length, 61, 'fixture: 61 distinct epochs');
  await waitFor('every epoch', () => fixes.length >= expected.length && source.stats()['fixes'] === expected.length);

  assert.deepEqual(server.commands, ['?WATCH={"enable":true,"json":true}']);
  assert.deepEqual(fixes.map((f) => [f.ts, f.lat, f.lon]), expected.map((e) => [e.ts, e.lat, e.lon]));
  for (const f of fixes) assert.equal(validateUplink('fix', { v: 1, seq: 0, ...f }).ok, true, JSON.stringify(f));
  // Each epoch is emitted from its most complete TPV: the u-blox cycle ends with altitude, eph and DGPS status.
  assert.ok(fixes.every((f) => f.fix === 'dgps' && f.alt !== undefined && f.accuracy !== undefined));
  assert.ok(fixes.every((f) => f.sats !== undefined && f.hdop !== undefined), 'SKY satellites used / HDOP attached');
  const stats = source.stats();
  assert.equal(stats['version'], 1);
  assert.equal(stats['tpv'], UBLOX_REPORTS.filter((l) => l.includes('"class":"TPV"')).length);
  assert.equal(stats['sky'], UBLOX_REPORTS.filter((l) => l.includes('"class":"SKY"')).length);
  assert.equal(stats['malformed'], 0);
  assert.equal(stats['connects'], 1);
});

test('garbage from the socket is counted and never stops the stream', async (t) => {
  const good = (sec: number) => `{"class":"TPV","mode":3,"time":"2024-02-03T04:05:${String(sec).padStart(2, '0')}.000Z","lat":59.3,"lon":18.07}\n`;
  const server = new FakeGpsdServer((socket) => {
    socket.write(good(1));
    socket.write('{"class":"TPV","mode":3,"ti\n'); // truncated
    socket.write('\u0000\u00ff\u0001garbage\n');
    socket.write('$GPGGA,not,json*00\n');
    socket.write(`{"class":"SKY","pad":"${'x'.repeat(70_000)}"}\n`); // over-long
    socket.write('{"class":"TPV","device":"/dev/pts/1","mode":1}\n');
    socket.write('{"class":"TPV","mode":3,"lat":59.3,"lon":18.07}\n');
    socket.write(good(2));
  });
  const port = await server.listen();
  const source = new GpsdSource({ port, backoff: fastBackoff, epochFlushMs: 20 });
  t.after(async () => {
    await source.close();
    await server.close();
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  await waitFor('both good fixes', () => fixes.length === 2);
  const s = source.stats();
  assert.deepEqual(
    { malformedBadJson: s['malformedBadJson'], malformedNotReport: s['malformedNotReport'], overlong: s['overlongLines'], noFix: s['skippedNoFix'], noTime: s['skippedNoTime'] },
    { malformedBadJson: 1, malformedNotReport: 2, overlong: 1, noFix: 1, noTime: 1 },
  );
});

test('reconnects with backoff when gpsd drops the connection and continues without duplicating an epoch', async (t) => {
  const half = Math.floor(UBLOX_REPORTS.length / 2);
  const server = new FakeGpsdServer((socket, index) => {
    if (index === 0) {
      socket.write(UBLOX_REPORTS.slice(0, half).map((l) => `${l}\n`).join(''), () => socket.destroy());
    } else {
      // After a restart gpsd may repeat the epoch it was in when it went away.
      socket.write(UBLOX_REPORTS.slice(half - 3).map((l) => `${l}\n`).join(''));
    }
  });
  const port = await server.listen();
  const source = new GpsdSource({ port, backoff: fastBackoff, epochFlushMs: 50 });
  t.after(async () => {
    await source.close();
    await server.close();
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  const expected = expectedEpochs(UBLOX_REPORTS);
  await waitFor('all epochs across the reconnect', () => source.stats()['fixes'] === expected.length && source.stats()['reconnects'] === 1);
  assert.deepEqual(fixes.map((f) => f.ts), expected.map((e) => e.ts));
  const s = source.stats();
  assert.equal(s['disconnects'], 1);
  assert.equal(s['connects'], 2);
  assert.equal(server.commands.length, 2, 'WATCH re-sent on the new connection');
});

test('keeps retrying while gpsd is down and connects once it appears', async (t) => {
  const port = await freePort();
  const source = new GpsdSource({ port, backoff: { minMs: 10, maxMs: 40, jitter: 0.5 } });
  const server = new FakeGpsdServer((socket) => socket.write('{"class":"TPV","mode":2,"time":"2023-01-01T00:00:00Z","lat":1,"lon":2}\n'));
  t.after(async () => {
    await source.close();
    await server.close();
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  await waitFor('a few failed attempts', () => source.stats()['connectFailures']! >= 3);
  assert.equal(source.stats()['connects'], 0);
  await server.listen(port);
  await waitFor('connected and a fix', () => fixes.length === 1);
  assert.deepEqual(fixes[0], { ts: Date.UTC(2023, 0, 1), lat: 1, lon: 2, fix: '2d' });
  assert.equal(source.stats()['reconnects'], 0, 'the first successful connect is not a reconnect');
});

test('with a device configured, watches only that receiver', async (t) => {
  const server = new FakeGpsdServer((socket) => {
    socket.write('{"class":"TPV","device":"/dev/ttyACM0","mode":3,"time":"2023-01-01T00:00:01Z","lat":1,"lon":2}\n');
    socket.write('{"class":"TPV","device":"/dev/ttyUSB0","mode":3,"time":"2023-01-01T00:00:02Z","lat":3,"lon":4}\n');
  });
  const port = await server.listen();
  const source = new GpsdSource({ port, device: '/dev/ttyUSB0', epochFlushMs: 10 });
  t.after(async () => {
    await source.close();
    await server.close();
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  await waitFor('the watched device fix', () => fixes.length === 1);
  assert.equal(fixes[0]!.lat, 3);
  assert.equal(source.stats()['otherDevice'], 1);
  assert.deepEqual(server.commands, ['?WATCH={"enable":true,"json":true,"device":"/dev/ttyUSB0"}']);
});

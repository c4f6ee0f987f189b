import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { sharedFixture, waitFor } from '@fieldtrace/testkit';
import { validateUplink } from '@fieldtrace/protocol';
import type { Reading } from '../sources/source.js';
import { GpsdSource } from './gpsd-source.js';
import { freePort } from './fake-gpsd-server.js';

/**
 * Against the real daemon: gpsfake (Debian packages gpsd, gpsd-clients, python3-gps) starts a private gpsd on a
 * free port and feeds it a receiver log through a pty, exactly as a serial GPS would.
 *
 * The log is nmea-rtk.log (Trimble RTK, 2020): its dates are recent enough that older gpsd releases (3.22 in
 * Debian 12) do not apply the GPS week-rollover correction that shifts 2007-era logs by 1024 weeks, so the
 * daemon's output matches the regression `.chk` exactly.
 */
const LOG = sharedFixture('fixtures/nmea/nmea-rtk.log');
const CHK = `${LOG}.chk`;

function findExecutable(name: string): string | null {
  for (const dir of [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

const gpsfake = findExecutable('gpsfake');
const inCi = Boolean(process.env['CI']);
const skip = gpsfake || inCi ? false : 'gpsfake not installed (apt-get install gpsd gpsd-clients python3-gps); this test is required under CI';

interface Epoch {
  ts: number;
  lat: number;
  lon: number;
  status: number | undefined;
}

/** One expected fix per distinct TPV time with a 2D/3D fix, from gpsd's own regression output. */
function expectedEpochs(): Epoch[] {
  const byTime = new Map<string, Epoch>();
  for (const line of readFileSync(CHK, 'utf8').split('\n')) {
    if (!line.startsWith('{"class":"TPV"')) continue;
    const o = JSON.parse(line) as { mode?: number; time?: string; lat: number; lon: number; status?: number };
    if ((o.mode ?? 0) < 2 || !o.time) continue;
    byTime.delete(o.time);
    byTime.set(o.time, { ts: Date.parse(o.time), lat: o.lat, lon: o.lon, status: o.status });
  }
  return [...byTime.values()];
}

/** gpsfake in pipe mode waits 1.4 s after starting its own client before feeding, which leaves time for ours. */
function requireGpsfake(): string {
  assert.ok(gpsfake, 'gpsfake not found on PATH: CI must install the Debian packages gpsd gpsd-clients python3-gps');
  return gpsfake;
}

function startGpsfake(port: number, cycleS: string): { child: ChildProcess; stderr: () => string } {
  let stderr = '';
  const child = spawn(requireGpsfake(), ['-P', String(port), '-1', '-p', '-q', '-c', cycleS, LOG], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Own process group, so stopping it also stops the gpsd it spawned.
    detached: true,
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return { child, stderr: () => stderr };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}

function collect(): { fixes: Array<Extract<Reading, { kind: 'fix' }>['body']>; emit: (r: Reading) => void } {
  const fixes: Array<Extract<Reading, { kind: 'fix' }>['body']> = [];
  return { fixes, emit: (r) => (r.kind === 'fix' ? fixes.push(r.body) : undefined) };
}

test('fixes read from a real gpsd agree with its regression output', { skip, timeout: 60_000 }, async (t) => {
  requireGpsfake();
  const port = await freePort();
  const source = new GpsdSource({ port, backoff: { minMs: 50, maxMs: 200, jitter: 0.5 }, epochFlushMs: 200 });
  const fake = startGpsfake(port, '0.01');
  t.after(async () => {
    await source.close();
    await stop(fake.child);
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  const expected = expectedEpochs();
  assert.equal(expected.length, 122, 'nmea-rtk: 122 timed fixes');
  await waitFor(`${expected.length} fixes (gpsfake stderr: ${fake.stderr()})`, () => fixes.length >= expected.length, 40_000);

  assert.deepEqual(fixes.map((f) => [f.ts, f.lat, f.lon]), expected.map((e) => [e.ts, e.lat, e.lon]));
  const quality = (q: string) => fixes.filter((f) => f.fix === q).length;
  assert.equal(quality('rtk-fixed'), expected.filter((e) => e.status === 3).length);
  assert.equal(quality('dgps'), expected.filter((e) => e.status === 2).length);
  assert.ok(quality('rtk-fixed') > 0 && quality('dgps') > 0);
  for (const f of fixes) assert.ok(validateUplink('fix', { v: 1, seq: 0, ...f }).ok, JSON.stringify(f));
  assert.ok(fixes.every((f) => f.alt !== undefined && f.accuracy !== undefined));
  const s = source.stats();
  assert.equal(s['malformed'], 0);
  assert.equal(s['version'], 1);
  assert.ok(s['skippedNoTime']! >= 1, 'the first GGA has no date, gpsd reports it without time');
});

test('survives gpsd going away mid-stream and carries on when it comes back', { skip, timeout: 90_000 }, async (t) => {
  requireGpsfake();
  const port = await freePort();
  const source = new GpsdSource({ port, backoff: { minMs: 50, maxMs: 400, jitter: 0.5 }, epochFlushMs: 200 });
  let fake = startGpsfake(port, '0.03');
  t.after(async () => {
    await source.close();
    await stop(fake.child);
  });
  const { fixes, emit } = collect();
  await source.start(emit);
  const expected = expectedEpochs();
  await waitFor(`20 fixes before the outage (gpsfake stderr: ${fake.stderr()})`, () => fixes.length >= 20, 40_000);
  await stop(fake.child);
  await waitFor('the source to notice', () => source.stats()['disconnects'] === 1);
  const beforeOutage = fixes.length;
  assert.ok(beforeOutage < expected.length, 'the outage happened mid-stream');
  assert.deepEqual(fixes.map((f) => f.ts), expected.slice(0, beforeOutage).map((e) => e.ts));
  await new Promise((r) => setTimeout(r, 300)); // a few failed attempts while gpsd is down

  fake = startGpsfake(port, '0.01');
  await waitFor(`the whole log again after restart (gpsfake stderr: ${fake.stderr()})`, () => fixes.length >= beforeOutage + expected.length, 40_000);
  assert.deepEqual(fixes.slice(beforeOutage).map((f) => [f.ts, f.lat, f.lon]), expected.map((e) => [e.ts, e.lat, e.lon]));
  const s = source.stats();
  assert.equal(s['reconnects'], 1);
  assert.ok(s['connectFailures']! >= 1, 'retried while gpsd was down');
});

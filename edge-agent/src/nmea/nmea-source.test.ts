import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { validateUplink } from '@fieldtrace/protocol';
import { silentLogger } from '@fieldtrace/service-kit';
import { FakeClock, sharedFixture } from '@fieldtrace/testkit';
import type { Reading } from '../sources/source.js';
import { buildNmeaSource, type ReplayPace } from './nmea-source.js';

const RTK_LOG = sharedFixture('fixtures/nmea/nmea-rtk.log');

async function replay(pace: ReplayPace) {
  const clock = new FakeClock();
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    clock.advance(ms);
  };
  const readings: Reading[] = [];
  const emittedAt: number[] = [];
  const source = buildNmeaSource(
    { input: { kind: 'stream', open: () => createReadStream(RTK_LOG, { highWaterMark: 512 }), pace } },
    { clock, logger: silentLogger, sleep },
  );
  await source.start((r) => {
    readings.push(r);
    emittedAt.push(clock.now());
  });
  await source.finished();
  await source.close();
  return { readings, waits, emittedAt, stats: source.stats(), clock };
}

function fixTimes(readings: readonly Reading[]): number[] {
  return readings.map((r) => (r.kind === 'fix' ? r.body.ts : Number.NaN));
}

test('replays a capture file as valid GpsFix readings with their original times', async () => {
  const { readings, stats } = await replay({ mode: 'fast' });
  assert.equal(readings.length, 122);
  assert.equal(stats.fixes, 122);
  readings.forEach((reading, seq) => {
    assert.equal(reading.kind, 'fix');
    const checked = validateUplink('fix', { v: 1, seq, ...reading.body });
    assert.ok(checked.ok, JSON.stringify(checked));
  });
  const times = fixTimes(readings);
  assert.equal(new Date(times[0]!).getUTCFullYear(), 2020);
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!);
});

test('real-time replay spaces fixes as the receiver did; accelerated divides the gaps', async () => {
  const real = await replay({ mode: 'real-time' });
  const times = fixTimes(real.readings);
  const span = times.at(-1)! - times[0]!;
  assert.ok(span > 5 * 60_000, 'the RTK log spans ~11 minutes');
  const expectedGap = (i: number, factor: number) => Math.min((times[i]! - times[i - 1]!) / factor, 60_000);
  for (let i = 1; i < times.length; i++) {
    assert.equal(real.emittedAt[i]! - real.emittedAt[i - 1]!, expectedGap(i, 1), `fix ${i}`);
  }
  const fast = await replay({ mode: 'accelerated', factor: 10 });
  for (let i = 1; i < times.length; i++) {
    assert.ok(Math.abs(fast.emittedAt[i]! - fast.emittedAt[i - 1]! - expectedGap(i, 10)) < 1e-6, `fix ${i}`);
  }
  const asFastAsPossible = await replay({ mode: 'fast' });
  assert.equal(asFastAsPossible.waits.length, 0);
});

test('closing mid-replay stops emitting', async () => {
  const clock = new FakeClock();
  let source: ReturnType<typeof buildNmeaSource> | undefined;
  let count = 0;
  source = buildNmeaSource(
    { input: { kind: 'stream', open: () => createReadStream(RTK_LOG), pace: { mode: 'real-time' } } },
    {
      clock,
      logger: silentLogger,
      sleep: async (ms) => {
        clock.advance(ms);
        if (count >= 5) void source?.close();
      },
    },
  );
  await source.start(() => count++);
  await source.finished();
  assert.ok(count >= 5 && count <= 6, `emitted ${count}`);
});

/**
 * A pseudo-terminal stands in for the receiver's serial port: python3's `pty` module (no extra dependency)
 * opens the pair, prints the device path, then writes the capture through the master side in small bursts.
 */
const PTY_SCRIPT = `
import os, pty, sys, time
master, slave = pty.openpty()
print(os.ttyname(slave), flush=True)
sys.stdin.readline()
data = open(sys.argv[1], 'rb').read()
for i in range(0, len(data), 256):
    os.write(master, data[i:i + 256])
    time.sleep(0.002)
sys.stdin.readline()
`;

test('reads a serial port (pseudo-terminal) through serialport and emits fixes', { timeout: 20_000 }, async (t) => {
  const text = readFileSync(RTK_LOG, 'latin1').split('\n').filter((l) => !l.startsWith('#')).join('\n');
  const dataFile = `${process.env.TMPDIR ?? '/tmp'}/nmea-pty-${process.pid}.log`;
  const { writeFileSync, rmSync } = await import('node:fs');
  writeFileSync(dataFile, text, 'latin1');
  const child = spawn('python3', ['-c', PTY_SCRIPT, dataFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill();
    rmSync(dataFile, { force: true });
  });
  const lines = createInterface({ input: child.stdout! });
  const [path] = (await once(lines, 'line')) as [string];
  assert.match(path, /^\/dev\/pts\/\d+$/);

  const readings: Reading[] = [];
  const source = buildNmeaSource(
    { input: { kind: 'serial', path, baudRate: 9600 }, quietFlushMs: 300 },
    { clock: new FakeClock(), logger: silentLogger },
  );
  await source.start((r) => readings.push(r));
  child.stdin!.write('go\n');
  const deadline = Date.now() + 15_000;
  while (readings.length < 122 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await source.close();
  child.stdin!.write('done\n');
  assert.equal(readings.length, 122, JSON.stringify(source.stats()));
  assert.equal(source.stats()['reject.bad-checksum'], 0, 'no bytes mangled by the tty line discipline');
});

test('close() interrupts a real-time wait instead of sleeping it out', async () => {
  const source = buildNmeaSource(
    { input: { kind: 'stream', open: () => createReadStream(RTK_LOG), pace: { mode: 'real-time' } } },
    { clock: { now: () => Date.now() }, logger: silentLogger },
  );
  let count = 0;
  await source.start(() => count++);
  while (count < 1) await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  await source.close();
  assert.ok(Date.now() - started < 500, 'closed promptly');
  assert.ok(count <= 2);
});

test('a serial path that does not exist fails start() with the OS error', async () => {
  const source = buildNmeaSource(
    { input: { kind: 'serial', path: '/dev/does-not-exist-nmea', baudRate: 4800 } },
    { clock: new FakeClock(), logger: silentLogger },
  );
  await assert.rejects(source.start(() => {}), /does-not-exist-nmea|ENOENT|No such file/);
});

/**
 * crash.int.test.ts against the real Mosquitto (TEST_MQTT_URL): the broker is switched off and on by a TCP proxy in
 * front of it, deliveries are seen by a subscriber connected to Mosquitto directly. Every run uses its own tenant and
 * device, so persistent sessions, retained config or a straggling agent from an earlier run cannot interfere.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { deviceUsername } from '@fieldtrace/protocol';
import { requireServer, waitFor, TEST_MQTT_URL } from '@fieldtrace/testkit';
import { readStoredFixes, type RecoveryReport, type RunningChild } from './test-support/child-process.js';
import type { DeviceCrashChildArgs } from './test-support/crash-child-device.js';
import { createMosquittoSwitch, type MosquittoSwitch } from './test-support/mosquitto-switch.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./test-support/crash-child-device.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** spawnAgentChild (child-process.ts) for crash-child-device.js: same `ready`/`done` lines. */
function spawnAgentChild(args: DeviceCrashChildArgs): RunningChild {
  const child = spawn(process.execPath, [CHILD_SCRIPT, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { line: string; resolve(rest: string): void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) {
      const at = out.indexOf(w.line);
      const end = out.indexOf('\n', at);
      if (at >= 0 && end > at) w.resolve(out.slice(at + w.line.length, end).trim());
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lineOrExit = (line: string) =>
    new Promise<string>((resolve, reject) => {
      waiters.push({ line, resolve });
      void exited.then((code) => reject(new Error(`agent child exited (${code}) before '${line}': ${err.slice(-2000)}`)));
    });
  const ready = lineOrExit('ready').then((rest) => JSON.parse(rest) as RecoveryReport);
  const done = lineOrExit('done').then(() => undefined);
  done.catch(() => undefined);
  ready.catch(() => undefined);
  return { process: child, ready, done, exited };
}

async function killHard(child: RunningChild): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

async function stopGently(child: RunningChild): Promise<void> {
  child.process.kill('SIGTERM');
  await Promise.race([child.exited, sleep(5000).then(() => killHard(child))]);
}

async function tearLastSegment(queueDir: string): Promise<void> {
  const last = (await readdir(queueDir)).filter((n) => n.endsWith('.seg')).sort().at(-1)!;
  const partial = randomBytes(8 + Math.floor(Math.random() * 60));
  partial.writeUInt32LE(180, 0);
  await appendFile(join(queueDir, last), partial);
}

/** Mosquitto keeps an MQTT 3.1.1 persistent session forever: a clean connect with the agent's clientId ends it. */
async function forgetSession(clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(TEST_MQTT_URL, { clientId, clean: true, reconnectPeriod: 0 });
  await client.endAsync();
}

/** A Mosquitto proxy and agent arguments for a tenant and device no other run uses; cleaned up after the test. */
async function setUp(t: TestContext, target: number): Promise<{ broker: MosquittoSwitch; args: DeviceCrashChildArgs; children: RunningChild[] }> {
  const unique = `${process.pid}x${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const tenantId = `crash${unique}`;
  const deviceId = `truck-${unique}`;
  const dir = await mkdtemp(join(tmpdir(), 'ft-crash-mq-'));
  const broker = await createMosquittoSwitch({ upstreamUrl: TEST_MQTT_URL, tenantId });
  const children: RunningChild[] = [];
  t.after(async () => {
    await Promise.all(children.map((c) => (c.process.exitCode === null && c.process.signalCode === null ? stopGently(c) : undefined)));
    await broker.close();
    await forgetSession(deviceUsername(tenantId, deviceId));
    await rm(dir, { recursive: true, force: true });
  });
  const args: DeviceCrashChildArgs = {
    tenantId,
    deviceId,
    queueDir: join(dir, 'queue'),
    mqttUrl: broker.url,
    sideFile: join(dir, 'stored.txt'),
    target,
    perTick: 60,
    tickMs: 10,
  };
  return { broker, args, children };
}

/** Buffers `target` fixes with the broker down across `kills` SIGKILLs at random moments; returns the survivor. */
async function bufferWithCrashes(args: DeviceCrashChildArgs, kills: number, children: RunningChild[]): Promise<{ child: RunningChild; starts: number; tornBytes: number }> {
  let previousNext = -1;
  let tornBytes = 0;
  for (let k = 0; k <= kills; k++) {
    const child = spawnAgentChild(args);
    children.push(child);
    const recovered = await child.ready;
    tornBytes += recovered.truncatedBytes;
    assert.equal(recovered.corruptRegions, 0, 'a crash leaves at most a torn tail, never damage in the middle');
    assert.ok(recovered.nextSeq > previousNext, `start ${k}: seq ${recovered.nextSeq} after ${previousNext} — each run appended more`);
    previousNext = recovered.nextSeq;
    if (k === kills) {
      await child.done;
      return { child, starts: kills + 1, tornBytes };
    }
    await sleep(100 + Math.random() * 500);
    await killHard(child);
    // As in crash.int.test.ts: every other crash leaves the start of a frame that was never synced, as a power cut would.
    if (k % 2 === 1) await tearLastSegment(args.queueDir);
  }
  throw new Error('unreachable');
}

/**
 * Exactly-once per seq: every fix the child saw stored is delivered, with its original event time; delivered seqs
 * plus one reserved `will` seq per agent start cover 0..max without other gaps; order rises within each connection.
 */
async function assertDeliveredExactlyOnce(broker: MosquittoSwitch, sideFile: string, starts: number, target: number) {
  const stored = await readStoredFixes(sideFile);
  const maxStored = Math.max(...stored.keys());
  assert.ok(maxStored + 1 >= target - starts, `only ${maxStored + 1} seqs stored`);
  for (const [seq, ts] of stored) {
    const got = broker.delivered.get(seq);
    assert.ok(got, `stored fix seq ${seq} was never delivered`);
    assert.equal(got.ts, ts, `seq ${seq} arrived with a different event time`);
  }
  const maxDelivered = Math.max(...broker.delivered.keys());
  assert.equal(maxDelivered, maxStored, 'nothing delivered that was not stored');
  const gaps = maxDelivered + 1 - broker.delivered.size;
  assert.ok(gaps >= 0 && gaps <= starts, `${gaps} seqs missing, at most ${starts} (will reservations) expected`);
  assert.deepEqual(broker.orderViolations, [], 'seqs must rise within each agent connection');
  assert.equal(broker.observerDisconnects, 0, 'the observing subscriber stayed connected, so what it saw is complete');
}

/** A fix in a `fixes` batch is ~110 bytes of JSON (seq, ts, lat, lon, speed, heading, fix, sats); err low. */
const MIN_BYTES_PER_FIX = 80;

const mosquitto = await requireServer('Mosquitto', TEST_MQTT_URL);

test('through Mosquitto: fixes buffered across five SIGKILLs with the broker down are all delivered once it is up', { timeout: 60_000, ...mosquitto }, async (t) => {
  // A few seqs go to will reservations (one per start): aim a little higher so at least 20,000 fixes are queued.
  const target = 20_100;
  const { broker, args, children } = await setUp(t, target);
  const bufferStart = Date.now();
  const { starts, tornBytes } = await bufferWithCrashes(args, 5, children);
  const bufferMs = Date.now() - bufferStart;
  assert.ok(tornBytes > 0, 'the torn tails left after crashes were found and truncated');
  assert.equal(broker.delivered.size, 0, 'nothing reaches Mosquitto while the proxy is off');
  const drainStart = Date.now();
  await broker.up();
  const stored = await readStoredFixes(args.sideFile);
  await waitFor('every stored fix delivered', () => [...stored.keys()].every((s) => broker.delivered.has(s)), 30_000, 50);
  const drainMs = Date.now() - drainStart;
  t.diagnostic(`buffered ${stored.size} fixes in ${bufferMs} ms across ${starts} starts (${tornBytes} torn bytes truncated); drained through Mosquitto in ${drainMs} ms (${Math.round(stored.size / (drainMs / 1000))}/s incl. connect), ${broker.duplicates} duplicates, ${broker.connections} agent connection(s), ${Math.round(broker.forwardedBytes / stored.size)} bytes per fix on the wire`);
  await assertDeliveredExactlyOnce(broker, args.sideFile, starts, target);
  assert.ok(broker.delivered.size >= 20_000, `${broker.delivered.size} fixes`);
});

test('through Mosquitto: a broker restart and an agent crash mid-drain lose nothing and skip nothing', { timeout: 60_000, ...mosquitto }, async (t) => {
  const target = 12_000;
  const { broker, args, children } = await setUp(t, target);
  let { child, starts } = await bufferWithCrashes(args, 2, children);
  const stored = await readStoredFixes(args.sideFile);
  // Waiting for deliveries cannot place a cut mid-drain: with a window of 500 messages of 100 fixes the agent puts
  // the whole backlog on the wire before the observer sees a third of it. Cut on bytes passing the proxy instead.
  const thirdOfBacklog = Math.round((stored.size / 3) * MIN_BYTES_PER_FIX);
  const restarted = new Promise<void>((resolve) => broker.tripwire(thirdOfBacklog, () => void broker.down().then(resolve)));
  await broker.up();
  await restarted;
  const deliveredWhileDown = broker.delivered.size;
  assert.ok(deliveredWhileDown > 0 && deliveredWhileDown < stored.size, `the restart came mid-drain (${deliveredWhileDown} of ${stored.size} delivered)`);
  await sleep(400);
  assert.equal(broker.delivered.size, deliveredWhileDown, 'nothing arrives while the proxy is off');
  // The crash takes the agent's connection with it (what it had written but the proxy had not forwarded is lost, as
  // in a power cut), so the restarted agent must send the rest from its queue, not just its unacknowledged tail.
  const crashed = new Promise<void>((resolve) =>
    broker.tripwire(thirdOfBacklog, () => {
      child.process.kill('SIGKILL');
      broker.cut();
      resolve();
    }),
  );
  await broker.up();
  await crashed;
  await child.exited;
  await broker.quiet();
  const deliveredBeforeCrash = broker.delivered.size;
  assert.ok(deliveredBeforeCrash < stored.size, `the crash came mid-drain (${deliveredBeforeCrash} of ${stored.size} delivered)`);
  child = spawnAgentChild(args);
  children.push(child);
  starts++;
  await child.ready;
  await waitFor('every stored fix delivered', () => [...stored.keys()].every((s) => broker.delivered.has(s)), 30_000, 50);
  t.diagnostic(`${stored.size} fixes: ${deliveredWhileDown} delivered before the broker restart, ${deliveredBeforeCrash} before the crash; ${broker.duplicates} duplicates resent, ${broker.connections} agent connections, ${broker.statusMessages.length} status/will messages`);
  await assertDeliveredExactlyOnce(broker, args.sideFile, starts, target);
  assert.equal(broker.connections, 3, 'one agent connection per broker start and agent start');
  for (const status of broker.statusMessages) assert.equal((status as { v: number }).v, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@fieldtrace/testkit';
import { readStoredFixes, spawnAgentChild, type RunningChild } from './test-support/child-process.js';
import { createSwitchableBroker, type SwitchableBroker } from './test-support/switchable-broker.js';
import type { CrashChildArgs } from './test-support/crash-child.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** Buffers `target` fixes with the broker down across `kills` SIGKILLs at random moments; returns the survivor. */
async function bufferWithCrashes(args: CrashChildArgs, kills: number): Promise<{ child: RunningChild; starts: number; tornBytes: number }> {
  let previousNext = -1;
  let tornBytes = 0;
  for (let k = 0; k <= kills; k++) {
    const child = spawnAgentChild(args);
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
    // SIGKILL cannot split one write(2); a power cut can. Every other crash also leaves what one would: the start
    // of a frame that was being written and never synced (so never reported stored, never sent).
    if (k % 2 === 1) await tearLastSegment(args.queueDir);
  }
  throw new Error('unreachable');
}

/**
 * Exactly-once per seq: every fix the child saw stored is delivered, with its original event time; delivered seqs
 * plus one reserved `will` seq per agent start cover 0..max without other gaps; order rises within each connection.
 */
async function assertDeliveredExactlyOnce(broker: SwitchableBroker, sideFile: string, starts: number, target: number) {
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
  assert.deepEqual(broker.orderViolations, [], 'seqs must rise within each delivery session');
}

test('fixes buffered across five SIGKILLs with the broker down are all delivered once it is up', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ft-crash-'));
  const broker = await createSwitchableBroker();
  t.after(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  // A few seqs go to will reservations (one per start): aim a little higher so at least 20,000 fixes are queued.
  const target = 20_100;
  const args: CrashChildArgs = { queueDir: join(dir, 'queue'), mqttUrl: broker.url, sideFile: join(dir, 'stored.txt'), target, perTick: 60, tickMs: 10 };
  const bufferStart = Date.now();
  const { child, starts, tornBytes } = await bufferWithCrashes(args, 5);
  t.after(() => stopGently(child));
  const bufferMs = Date.now() - bufferStart;
  assert.ok(tornBytes > 0, 'the torn tails left after crashes were found and truncated');
  const drainStart = Date.now();
  await broker.up();
  const stored = await readStoredFixes(args.sideFile);
  await waitFor('every stored fix delivered', () => [...stored.keys()].every((s) => broker.delivered.has(s)), 40_000, 50);
  const drainMs = Date.now() - drainStart;
  t.diagnostic(`buffered ${broker.delivered.size} fixes (${stored.size} confirmed in the side file) in ${bufferMs} ms across ${starts} starts (${tornBytes} torn bytes truncated); drained in ${drainMs} ms (${Math.round(stored.size / (drainMs / 1000))}/s incl. connect), ${broker.duplicates} duplicates`);
  await assertDeliveredExactlyOnce(broker, args.sideFile, starts, target);
  assert.ok(broker.delivered.size >= 20_000, `${broker.delivered.size} fixes`);
});

test('a broker restart and an agent crash mid-drain lose nothing and skip nothing', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ft-crash-'));
  const broker = await createSwitchableBroker();
  t.after(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  const target = 12_000;
  const args: CrashChildArgs = { queueDir: join(dir, 'queue'), mqttUrl: broker.url, sideFile: join(dir, 'stored.txt'), target, perTick: 60, tickMs: 10 };
  let { child, starts } = await bufferWithCrashes(args, 2);
  t.after(() => stopGently(child));
  const stored = await readStoredFixes(args.sideFile);
  await broker.up();
  await waitFor('a third delivered', () => broker.delivered.size >= stored.size / 3, 20_000, 5);
  await broker.down();
  const deliveredWhileDown = broker.delivered.size;
  await sleep(400);
  assert.equal(broker.delivered.size, deliveredWhileDown);
  await broker.up();
  await waitFor('two thirds delivered', () => broker.delivered.size >= (2 * stored.size) / 3, 20_000, 5);
  await killHard(child);
  child = spawnAgentChild(args);
  starts++;
  await child.ready;
  await waitFor('every stored fix delivered', () => [...stored.keys()].every((s) => broker.delivered.has(s)), 30_000, 50);
  t.diagnostic(`${stored.size} fixes, ${broker.duplicates} duplicates resent after the broker restart and the crash`);
  await assertDeliveredExactlyOnce(broker, args.sideFile, starts, target);
  for (const status of broker.statusMessages) assert.equal((status as { v: number }).v, 1);
});

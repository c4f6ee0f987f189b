import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@fieldtrace/testkit';
import { readStoredFixes, spawnAgentChild, type RunningChild } from './test-support/child-process.js';
import { assertDeliveredExactlyOnce, bufferWithCrashes, killHard, sleep, stopGently } from './test-support/crash-scenario.js';
import { createSwitchableBroker, type SwitchableBroker } from './test-support/switchable-broker.js';
import type { CrashChildArgs } from './test-support/crash-child.js';

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

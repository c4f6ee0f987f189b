import assert from 'node:assert/strict';
import { appendFile, readdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readStoredFixes, spawnAgentChild, type RunningChild } from './child-process.js';
import type { CrashChildArgs } from './crash-child.js';
import type { DeliveredFix } from './switchable-broker.js';

/** The steps both crash acceptance tests (aedes and the real Mosquitto) share. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function killHard(child: RunningChild): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

export async function stopGently(child: RunningChild): Promise<void> {
  child.process.kill('SIGTERM');
  await Promise.race([child.exited, sleep(5000).then(() => killHard(child))]);
}

/** What a power cut leaves and SIGKILL cannot: the start of a frame that was being written and never synced. */
export async function tearLastSegment(queueDir: string): Promise<void> {
  const last = (await readdir(queueDir)).filter((n) => n.endsWith('.seg')).sort().at(-1)!;
  const partial = randomBytes(8 + Math.floor(Math.random() * 60));
  partial.writeUInt32LE(180, 0);
  await appendFile(join(queueDir, last), partial);
}

/**
 * Buffers `target` fixes with the broker down across `kills` SIGKILLs at random moments; returns the survivor.
 * Every child started is pushed to `children` so the test can stop stragglers.
 */
export async function bufferWithCrashes(
  args: CrashChildArgs,
  kills: number,
  children: RunningChild[] = [],
): Promise<{ child: RunningChild; starts: number; tornBytes: number }> {
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
    if (k % 2 === 1) await tearLastSegment(args.queueDir);
  }
  throw new Error('unreachable');
}

export interface DeliveryRecord {
  readonly delivered: ReadonlyMap<number, DeliveredFix>;
  readonly orderViolations: readonly string[];
}

/**
 * Exactly-once per seq: every fix the child saw stored is delivered, with its original event time; delivered seqs
 * plus one reserved `will` seq per agent start cover 0..max without other gaps; order rises within each connection.
 */
export async function assertDeliveredExactlyOnce(broker: DeliveryRecord, sideFile: string, starts: number, target: number): Promise<void> {
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

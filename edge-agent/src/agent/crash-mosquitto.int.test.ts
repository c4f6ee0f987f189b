/**
 * crash.int.test.ts against the real Mosquitto (TEST_MQTT_URL): the broker is switched off and on by a TCP proxy in
 * front of it, deliveries are seen by a subscriber connected to Mosquitto directly. Every run uses its own tenant and
 * device, so persistent sessions, retained config or a straggling agent from an earlier run cannot interfere.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { deviceUsername } from '@fieldtrace/protocol';
import { requireServer, waitFor, TEST_MQTT_URL } from '@fieldtrace/testkit';
import { readStoredFixes, spawnAgentChild, type RunningChild } from './test-support/child-process.js';
import { assertDeliveredExactlyOnce, bufferWithCrashes, killHard, sleep, stopGently } from './test-support/crash-scenario.js';
import type { CrashChildArgs } from './test-support/crash-child.js';
import { createMosquittoSwitch, type MosquittoSwitch } from './test-support/mosquitto-switch.js';

/** Mosquitto keeps an MQTT 3.1.1 persistent session forever: a clean connect with the agent's clientId ends it. */
async function forgetSession(clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(TEST_MQTT_URL, { clientId, clean: true, reconnectPeriod: 0 });
  await client.endAsync();
}

/** A Mosquitto proxy and agent arguments for a tenant and device no other run uses; cleaned up after the test. */
async function setUp(t: TestContext, target: number): Promise<{ broker: MosquittoSwitch; args: CrashChildArgs; children: RunningChild[] }> {
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
  const args: CrashChildArgs = {
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

/** The shared exactly-once check, plus: the observer saw everything because it never lost its connection. */
async function assertDeliveredExactlyOnceVia(broker: MosquittoSwitch, sideFile: string, starts: number, target: number) {
  await assertDeliveredExactlyOnce(broker, sideFile, starts, target);
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
  await assertDeliveredExactlyOnceVia(broker, args.sideFile, starts, target);
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
  await assertDeliveredExactlyOnceVia(broker, args.sideFile, starts, target);
  assert.equal(broker.connections, 3, 'one agent connection per broker start and agent start');
  for (const status of broker.statusMessages) assert.equal((status as { v: number }).v, 1);
});

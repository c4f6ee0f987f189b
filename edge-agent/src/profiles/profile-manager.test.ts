import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@fieldtrace/testkit';
import type { DeviceProfile } from './device-profile.js';
import { ProfileManager, type ProfileChange } from './profile-manager.js';
import { fileProfileStore, memoryProfileStore } from './profile-store.js';
import { shippedProfile } from './profile-fixtures.js';

function truckV(version: DeviceProfile['version'], edit: (p: DeviceProfile) => void = () => undefined): string {
  const p = shippedProfile('truck-default');
  p.version = version;
  edit(p);
  return JSON.stringify(p);
}

test('applies a valid profile, reports its version and tells listeners which sections changed', () => {
  const clock = new FakeClock(1_700_000_000_000);
  const manager = new ProfileManager({ deviceKind: 'truck' }, { clock });
  const changes: ProfileChange[] = [];
  manager.onChange((c) => changes.push(c));
  assert.equal(manager.apply(truckV(2)).outcome, 'applied');
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.previous, null);

  clock.advance(5000);
  const r = manager.apply(truckV(3, (p) => (p.gps!.adaptive!.distanceM = 50)));
  assert.equal(r.outcome, 'applied');
  assert.deepEqual([...changes[1]!.changed], ['gps', 'version']);
  assert.equal(changes[1]!.profile.gps?.adaptive?.distanceM, 50);
  assert.deepEqual(manager.status(), { profile: 'truck-default', profileVersion: '3', appliedAt: 1_700_000_005_000, lastRejection: null });
  assert.equal(manager.label(), 'truck-default@3');
});

test('an invalid profile is rejected with its reason and the last good one stays in force', () => {
  const clock = new FakeClock(1_700_000_000_000);
  const manager = new ProfileManager({ deviceKind: 'truck' }, { clock });
  const changes: ProfileChange[] = [];
  manager.onChange((c) => changes.push(c));
  manager.apply(truckV(2));
  const bad = manager.apply(truckV(3, (p) => ((p.gps!.source as { baud: number }).baud = 1234)));
  assert.equal(bad.outcome, 'rejected');
  assert.ok(bad.outcome === 'rejected' && bad.reason === 'invalid' && bad.problems[0]!.startsWith('/gps/source/baud'));
  assert.equal(manager.current()?.version, 2);
  assert.equal(changes.length, 1, 'listeners hear nothing about a rejected profile');
  const status = manager.status();
  assert.equal(status.profileVersion, '2');
  assert.equal(status.lastRejection?.reason, 'invalid');
  assert.equal(status.lastRejection?.version, '3');

  assert.equal(manager.apply('{not json').outcome, 'rejected');
  assert.equal(manager.apply(new Uint8Array(0)).outcome, 'cleared');
  assert.equal(manager.current()?.version, 2);
  assert.deepEqual(manager.stats(), { applied: 1, unchanged: 0, rejected: 2, cleared: 1, listenerErrors: 0, storeErrors: 0 });
});

test('refuses downgrades, re-used versions and profiles for another kind of device', () => {
  const manager = new ProfileManager({ deviceKind: 'truck' });
  manager.apply(truckV('1.4.0'));
  assert.equal(manager.apply(truckV('1.4.0')).outcome, 'unchanged', 'the retained message again after a reconnect');
  const reused = manager.apply(truckV('1.4.0', (p) => (p.status.intervalMs = 30_000)));
  assert.ok(reused.outcome === 'rejected' && reused.reason === 'version-reused');
  const older = manager.apply(truckV('1.3.9'));
  assert.ok(older.outcome === 'rejected' && older.reason === 'downgrade');
  const gs = manager.apply(JSON.stringify(shippedProfile('ground-station-default')));
  assert.ok(gs.outcome === 'rejected' && gs.reason === 'wrong-device-kind');
  assert.equal(manager.apply(truckV('2.0.0-rc.1')).outcome, 'applied');
  assert.equal(manager.apply(truckV(2)).outcome, 'applied', 'integer 2 = 2.0.0, newer than its release candidate');
  assert.equal(manager.label(), 'truck-default@2');
});

test('a listener that throws does not stop the others or undo the profile', () => {
  const manager = new ProfileManager({ deviceKind: 'truck' });
  let heard = 0;
  manager.onChange(() => {
    throw new Error('queue cannot resize');
  });
  const off = manager.onChange(() => heard++);
  assert.equal(manager.apply(truckV(2)).outcome, 'applied');
  assert.equal(heard, 1);
  assert.equal(manager.stats()['listenerErrors'], 1);
  off();
  manager.apply(truckV(3));
  assert.equal(heard, 1, 'unsubscribed');
});

test('the applied profile survives a reboot; a corrupt saved file is ignored', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ft-profile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state', 'profile.json');
  const before = new ProfileManager({ deviceKind: 'truck' }, { store: fileProfileStore(path) });
  assert.equal(before.restore(), null, 'nothing saved yet');
  before.apply(truckV(7));
  before.apply(truckV(8, (p) => (p.gps!.fixIntervalMs = 10)));
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 7, 'only good profiles are saved');

  const after = new ProfileManager({ deviceKind: 'truck' }, { store: fileProfileStore(path) });
  assert.equal(after.restore()?.outcome, 'applied');
  assert.equal(after.current()?.version, 7);
  assert.equal(after.apply(truckV(7)).outcome, 'unchanged', 'the broker re-sends the same retained profile');

  const corrupt = new ProfileManager({ deviceKind: 'truck' }, { store: memoryProfileStore('{"half":') });
  assert.equal(corrupt.restore()?.outcome, 'rejected');
  assert.equal(corrupt.current(), null);
});

test('the status line for a refusal is short, names reason, version and first problem, and clears once a later profile applies', () => {
  const manager = new ProfileManager({ deviceKind: 'truck' });
  assert.equal(manager.rejectionSummary(), null);
  manager.apply(truckV(2));
  manager.apply(truckV(3, (p) => {
    (p.gps!.source as { baud: number }).baud = 1234;
    p.status.intervalMs = 5;
  }));
  assert.match(manager.rejectionSummary()!, /^invalid v3: \/gps\/source\/baud: expected one of 4800, 9600, .*, got 1234 \(\+1 more\)$/);
  const short = manager.rejectionSummary(30)!;
  assert.equal(short.length, 30);
  assert.ok(short.endsWith('…'));
  assert.equal(manager.apply(truckV(2)).outcome, 'unchanged');
  assert.ok(manager.rejectionSummary() !== null, 'the retained copy of the running profile is not a fix');
  manager.apply(truckV(4));
  assert.equal(manager.rejectionSummary(), null);
  assert.equal(manager.status().lastRejection?.version, '3', 'the history keeps it');
});

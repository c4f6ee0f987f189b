import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GROUND_STATION_CAMERA } from '../sim/camera.js';
import { compareProfileVersions } from './profile-version.js';
import { firmwareConfigsDir, shippedProfile } from './profile-fixtures.js';
import { parseProfile, validateProfile } from './validate-profile.js';

const run = promisify(execFile);

test('both shipped profiles are valid: a plough truck with GPS + spreader, a ground station with a camera', () => {
  const truck = validateProfile(shippedProfile('truck-default'));
  assert.ok(truck.ok, truck.ok ? '' : truck.problems.join('\n'));
  assert.equal(truck.profile.gps?.source.type, 'nmea-serial');
  assert.deepEqual(truck.profile.sensors?.map((s) => s.kind), ['spreader-rate', 'ignition']);
  const gs = validateProfile(shippedProfile('ground-station-default'));
  assert.ok(gs.ok, gs.ok ? '' : gs.problems.join('\n'));
  assert.equal(gs.profile.gps?.source.type, 'mavlink');
});

test("the ground station's camera is the one the simulator plans surveys with", () => {
  const cam = shippedProfile('ground-station-default').camera!;
  assert.deepEqual(
    { profile: cam.profile, widthPx: cam.image.widthPx, heightPx: cam.image.heightPx, sensorWidthMm: cam.sensor.widthMm, sensorHeightMm: cam.sensor.heightMm, focalLengthMm: cam.focalLengthMm },
    { ...GROUND_STATION_CAMERA },
  );
});

test('a broken profile is refused with every problem, each with its path', () => {
  const p = shippedProfile('truck-default') as unknown as Record<string, any>;
  p['gps'].source.baud = 9601;
  p['queue'].fsync = { policy: 'interval' };
  p['sensors'][1].input = { type: 'usb' };
  p['colour'] = 'red';
  p['version'] = '2.x';
  const result = validateProfile(p);
  assert.ok(!result.ok);
  const text = result.problems.join('\n');
  assert.match(text, /\/gps\/source\/baud: expected one of 4800, 9600/);
  assert.match(text, /\/queue\/fsync\/intervalMs: Expected required property/);
  assert.match(text, /\/sensors\/1\/input\/type: expected one of "gpio", "analog", "can", got "usb"/);
  assert.match(text, /colour/);
  assert.match(text, /\/version/);
});

test('cross-field rules catch what a schema cannot', () => {
  const truck = shippedProfile('truck-default');
  delete truck.gps;
  truck.sensors!.push({ ...truck.sensors![0]!, kind: 'ignition' });
  truck.uplink.topicKinds = ['fix', 'status'];
  truck.reconnect.minMs = 60_000;
  const t = validateProfile(truck);
  assert.ok(!t.ok);
  assert.deepEqual(t.problems.map((p) => p.slice(0, p.indexOf(':'))), ['/gps', '/reconnect', '/uplink/topicKinds', '/sensors/2/name', '/sensors/2/input']);

  const gs = shippedProfile('ground-station-default');
  gs.camera!.intrinsics.cx = 6000;
  gs.camera!.intrinsics.fx = 3000;
  const g = validateProfile(gs);
  assert.ok(!g.ok);
  assert.ok(g.problems.some((p) => p.startsWith('/camera/intrinsics/cx: principal point outside the image')));
  assert.ok(g.problems.some((p) => p.startsWith('/camera/intrinsics/fx: nominal fx') && p.includes('3648')));
  gs.camera!.intrinsics = { ...gs.camera!.intrinsics, cx: 2700, fx: 3000, calibrated: true };
  assert.ok(validateProfile(gs).ok, 'a calibrated camera may differ from the datasheet');
});

test('parseProfile never throws on what the network delivers', () => {
  assert.match((parseProfile('{"profile":') as { problems: string[] }).problems[0]!, /^\/: not JSON/);
  assert.match((parseProfile('nope') as { problems: string[] }).problems[0]!, /not JSON/);
  assert.match((parseProfile('x'.repeat(70_000)) as { problems: string[] }).problems[0]!, /exceeds/);
  assert.equal(parseProfile('null').ok, false);
  assert.equal(parseProfile('[]').ok, false);
  assert.equal(parseProfile(new Uint8Array([0xff, 0xfe, 0x00])).ok, false);
});

test('profile versions order as semver; integers count as major versions', () => {
  assert.ok(compareProfileVersions(2, 3) < 0);
  assert.ok(compareProfileVersions('1.10.0', '1.9.9') > 0);
  assert.ok(compareProfileVersions('2.0.0-rc.1', '2.0.0') < 0);
  assert.ok(compareProfileVersions('2.0.0-rc.2', '2.0.0-rc.10') < 0);
  assert.ok(compareProfileVersions('2.0.0-alpha', '2.0.0-alpha.1') < 0);
  assert.equal(compareProfileVersions(2, '2.0.0'), 0);
  assert.ok(compareProfileVersions(2, '2.0.1') < 0);
});

const validateScript = resolve(firmwareConfigsDir(), 'validate.mjs');

test('firmware-configs/validate.mjs passes on the shipped profiles', async () => {
  const { stdout } = await run(process.execPath, [validateScript]);
  assert.match(stdout, /2 profile\(s\) valid/);
});

test('firmware-configs/validate.mjs exits non-zero listing every problem in every file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ft-profiles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const truck = shippedProfile('truck-default');
  writeFileSync(join(dir, 'truck-default.json'), JSON.stringify({ ...truck, version: 0 }));
  writeFileSync(join(dir, 'renamed.json'), JSON.stringify(truck));
  writeFileSync(join(dir, 'broken.json'), '{ "profile": ');
  const failed = await run(process.execPath, [validateScript, dir]).then(
    () => assert.fail('expected a non-zero exit'),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /3 problem\(s\)/);
  assert.match(failed.stderr, /broken\.json \/: not JSON/);
  assert.match(failed.stderr, /renamed\.json \/profile: 'truck-default' must equal the file name 'renamed'/);
  assert.match(failed.stderr, /truck-default\.json \/version/);
});

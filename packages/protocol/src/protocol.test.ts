import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseUplinkTopic, uplinkTopic, uplinkPrefix, downlinkTopic, busTopic, parseBusTopic, deviceUsername, parseDeviceUsername,
  decodeUplink, MAX_PAYLOAD_BYTES, pointInPolygon, haversineM,
} from './index.js';

const bytes = (s: string) => new TextEncoder().encode(s);

test('uplink topics round-trip and anything else is refused', () => {
  assert.deepEqual(parseUplinkTopic(uplinkTopic('acme', 'truck-7', 'fix')), { tenantId: 'acme', deviceId: 'truck-7', kind: 'fix' });
  assert.ok(uplinkTopic('acme', 'truck-7', 'sensor').startsWith(uplinkPrefix('acme', 'truck-7')));
  for (const bad of [
    downlinkTopic('acme', 'truck-7', 'config'), // a downlink is not an uplink
    busTopic('acme', 'position'),
    'ft/acme/d/truck-7/up/teleport', // unknown kind
    'ft/acme/d/truck-7/up/fix/extra',
    'ft//d/truck-7/up/fix',
    'xx/acme/d/truck-7/up/fix',
  ]) {
    assert.equal(parseUplinkTopic(bad), null, bad);
  }
  assert.deepEqual(parseBusTopic(busTopic('acme', 'eta')), { tenantId: 'acme', kind: 'eta' });
});

test('a device username names its tenant and device, and nothing else parses', () => {
  assert.deepEqual(parseDeviceUsername(deviceUsername('acme', 'truck-7')), { tenantId: 'acme', deviceId: 'truck-7' });
  assert.equal(parseDeviceUsername('acme/truck-7'), null);
  assert.equal(parseDeviceUsername('acme/d/truck/7'), null);
  assert.equal(parseDeviceUsername('ac+me/d/truck-7'), null);
});

test('decoding names why a payload is refused', () => {
  const ok = decodeUplink('fix', bytes('{"v":1,"seq":3,"ts":1795000000000,"lat":43.7,"lon":7.4,"fix":"3d","speed":4.2}'));
  assert.ok(ok.ok);
  assert.equal(ok.value.speed, 4.2);
  const reason = (payload: Uint8Array) => {
    const r = decodeUplink('fix', payload);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason(bytes('{"v":1,"seq":')), 'bad-json');
  assert.equal(reason(bytes('{"v":2,"seq":3,"ts":1795000000000,"lat":43.7,"lon":7.4,"fix":"3d"}')), 'unsupported-version');
  assert.equal(reason(bytes('{"v":1,"seq":3,"ts":1795000000000,"lat":91,"lon":7.4,"fix":"3d"}')), 'schema');
  assert.equal(reason(bytes('{"v":1,"seq":3,"ts":1795000000000,"lat":43.7,"lon":7.4,"fix":"3d","extra":1}')), 'schema');
  assert.equal(reason(bytes('{"v":1,"seq":-1,"ts":1795000000000,"lat":43.7,"lon":7.4,"fix":"3d"}')), 'schema');
  assert.equal(reason(new Uint8Array([0x81, 1, 2])), 'unsupported-encoding');
  assert.equal(reason(new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x7b)), 'too-large');
  const schema = decodeUplink('fix', bytes('{"v":1,"seq":3,"ts":1795000000000,"lat":"north","lon":7.4,"fix":"3d"}'));
  assert.ok(!schema.ok && /\/lat/.test(schema.detail), 'the detail names the field');
});

test('geo helpers: a known distance and a polygon with a hole', () => {
  // One degree along a meridian on the mean-radius sphere is R·π/180 = 111,195 m; one degree of longitude at 60° half that.
  assert.ok(Math.abs(haversineM(0, 0, 1, 0) - 111_195) < 1);
  assert.ok(Math.abs(haversineM(60, 0, 60, 1) - 55_596) < 5);
  const outer: [number, number][] = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
  const hole: [number, number][] = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]];
  assert.equal(pointInPolygon(2, 2, [outer, hole]), true);
  assert.equal(pointInPolygon(5, 5, [outer, hole]), false);
  assert.equal(pointInPolygon(11, 5, [outer, hole]), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetLatLon } from '@fieldtrace/protocol';
import { AdaptiveFilter, type FilterFix } from './adaptive-filter.js';

const T0 = 1_763_726_400_000;
const at = (s: number, lat: number, lon: number, extra: Partial<FilterFix> = {}): FilterFix => ({ ts: T0 + s * 1000, lat, lon, fix: '3d', ...extra });

test('a parked truck at 1 Hz sends only the first fix and a heartbeat every five minutes', () => {
  const filter = new AdaptiveFilter({ stationaryHeartbeatMs: 300_000 });
  const sent: number[] = [];
  for (let s = 0; s <= 900; s++) if (filter.accept(at(s, 43.7, 7.42, { speed: 0 }))) sent.push(s);
  assert.deepEqual(sent, [0, 300, 600, 900]);
  assert.equal(filter.counts.heartbeat, 3);
  assert.equal(filter.counts.dropped, 897);
});

test('a truck driving straight at 10 m/s sends every 50 m, and a corner is kept', () => {
  const filter = new AdaptiveFilter({ minDistanceM: 50, minHeadingDeg: 30, maxIntervalMs: 30_000 });
  let [lat, lon] = [43.7, 7.42];
  const reasons: (string | null)[] = [];
  for (let s = 0; s < 20; s++) {
    reasons.push(filter.accept(at(s, lat, lon, { speed: 10, heading: 90 })));
    [lat, lon] = offsetLatLon(lat, lon, 90, 10);
  }
  assert.equal(reasons.filter((r) => r === 'distance').length, 3, reasons.join(','));
  const corner = new AdaptiveFilter({ minDistanceM: 50, minHeadingDeg: 30 });
  corner.accept(at(0, 43.7, 7.42, { speed: 10, heading: 90 }));
  const [clat, clon] = offsetLatLon(43.7, 7.42, 180, 10);
  assert.equal(corner.accept(at(1, clat, clon, { speed: 10, heading: 180 })), 'heading');
});

test('slow creeping movement is still reported at the moving interval', () => {
  const filter = new AdaptiveFilter({ minDistanceM: 1000, maxIntervalMs: 30_000 });
  filter.accept(at(0, 43.7, 7.42, { speed: 2, heading: 0 }));
  assert.equal(filter.accept(at(29, 43.7001, 7.42, { speed: 2, heading: 0 })), null);
  assert.equal(filter.accept(at(30, 43.7002, 7.42, { speed: 2, heading: 0 })), 'interval');
});

test('heading jitter while stopped is ignored; losing the fix is reported at once', () => {
  const filter = new AdaptiveFilter();
  filter.accept(at(0, 43.7, 7.42, { speed: 0, heading: 10 }));
  assert.equal(filter.accept(at(1, 43.7, 7.42, { speed: 0.2, heading: 200 })), null);
  assert.equal(filter.accept(at(2, 43.7, 7.42, { speed: 0, fix: 'none' })), 'quality');
});

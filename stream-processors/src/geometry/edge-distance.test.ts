import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haversineM, offsetLatLon, type LonLat } from '@fieldtrace/protocol';
import { nearestEdgeM } from './edge-distance.js';
import { arrivalRadiusM } from '../eta/arrival-radius.js';
import { LIVERPOOL } from '../test-support/tracks.js';

const [LAT, LON] = LIVERPOOL;
const corner = (b: number, d: number): LonLat => {
  const [lat, lon] = offsetLatLon(LAT, LON, b, d);
  return [lon, lat];
};
// A 200 m square centred on LIVERPOOL (corners 100√2 m out on the diagonals).
const D = 100 * Math.SQRT2;
const SQUARE: LonLat[] = [corner(225, D), corner(135, D), corner(45, D), corner(315, D), corner(225, D)];

test('distance to the nearest edge, in metres, from inside, outside and past a corner', () => {
  assert.ok(Math.abs(nearestEdgeM(LAT, LON, [SQUARE]) - 100) < 0.5);
  const [nLat, nLon] = offsetLatLon(LAT, LON, 0, 130);
  assert.ok(Math.abs(nearestEdgeM(nLat, nLon, [SQUARE]) - 30) < 0.5);
  const [cLat, cLon] = offsetLatLon(LAT, LON, 45, D + 20);
  const ne = SQUARE[2]!;
  assert.ok(Math.abs(nearestEdgeM(cLat, cLon, [SQUARE]) - haversineM(cLat, cLon, ne[1], ne[0])) < 0.5);
});

test('arrival radius: the circle around the site, the inscribed distance of a polygon, a default without a fence', () => {
  assert.equal(arrivalRadiusM(LAT, LON, { type: 'circle', center: [LON, LAT], radiusM: 80 }), 80);
  assert.ok(Math.abs(arrivalRadiusM(LAT, LON, { type: 'polygon', coordinates: [SQUARE] }) - 100) < 0.5);
  assert.equal(arrivalRadiusM(LAT, LON, undefined), 60);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PriceTable } from '@fieldtrace/protocol';
import { DEFAULT_PRICE_TABLE, SQUARE_M2, estimateFromFindings } from './estimate.js';
import { finding, sampleFindings } from './test-fixtures.js';

test('the default table prices the sample findings to the cent', () => {
  const e = estimateFromFindings(sampleFindings(), DEFAULT_PRICE_TABLE);
  assert.equal(e.currency, 'USD');
  assert.deepEqual(
    e.lines.map((l) => [l.className, l.quantity, l.unit, l.unitPrice, l.amount, l.findingIds]),
    [
      // 5 m² medium (×1) + 5 m² high (×1.25): 10 m² → ceil(1.076) = 2 squares; area-weighted factor 1.125 → $506.25.
      ['hail', 2, 'square', 506.25, 1012.5, ['f-hail-1', 'f-hail-2']],
      // medium (×1) + high (×1.5): mean factor 1.25 → $218.75 each.
      ['missing_shingle', 2, 'each', 218.75, 437.5, ['f-miss-1', 'f-miss-2']],
      ['lifted_shingle', 1, 'each', 95, 95, ['f-lift-1']],
      [null, 1, 'each', 150, 150, []],
    ],
  );
  assert.equal(e.lines[3]!.description, 'Inspection and mobilisation');
  assert.equal(e.total, 1695);
  assert.deepEqual(e.unpriced, ['moss']);
});

test('findings outside the roof are in no line and not in unpriced', () => {
  const e = estimateFromFindings(sampleFindings(), DEFAULT_PRICE_TABLE);
  assert.ok(e.lines.every((l) => !l.findingIds.includes('f-out-1')));
  const onlyOutside = estimateFromFindings(
    [finding({ id: 'o1', outsideRoof: true }), finding({ id: 'o2', className: 'moss', outsideRoof: true })],
    DEFAULT_PRICE_TABLE,
  );
  assert.deepEqual(onlyOutside, { currency: 'USD', lines: [], total: 0, unpriced: [] });
});

test('fixed lines need at least one priced finding on the roof', () => {
  const e = estimateFromFindings([finding({ id: 'm', className: 'moss' })], DEFAULT_PRICE_TABLE);
  assert.deepEqual(e, { currency: 'USD', lines: [], total: 0, unpriced: ['moss'] });
  assert.deepEqual(estimateFromFindings([], DEFAULT_PRICE_TABLE), { currency: 'USD', lines: [], total: 0, unpriced: [] });
});

test('squares round up, are at least minQuantity, and an exact multiple does not round up', () => {
  const small = estimateFromFindings([finding({ id: 'a', severity: 'low', areaM2: 0.5 })], DEFAULT_PRICE_TABLE);
  assert.deepEqual([small.lines[0]!.quantity, small.lines[0]!.unitPrice, small.lines[0]!.amount], [1, 360, 360]);

  const exact = estimateFromFindings(
    [finding({ id: 'a', areaM2: SQUARE_M2 * 1.5 }), finding({ id: 'b', areaM2: SQUARE_M2 * 0.5 })],
    DEFAULT_PRICE_TABLE,
  );
  assert.equal(exact.lines[0]!.quantity, 2);
  assert.equal(exact.lines[0]!.amount, 900);

  const justOver = estimateFromFindings([finding({ id: 'a', areaM2: SQUARE_M2 * 2 + 0.01 })], DEFAULT_PRICE_TABLE);
  assert.equal(justOver.lines[0]!.quantity, 3);
});

test('the unit price carries the mean severity factor, so amount = quantity × unit price to the cent', () => {
  // high (1.5) + medium + medium: factor 3.5 / 3 → 175 × 1.1666… = 204.1666… → $204.17; 3 × 204.17 = $612.51.
  const e = estimateFromFindings(
    [
      finding({ id: 'a', className: 'missing_shingle', severity: 'high' }),
      finding({ id: 'b', className: 'missing_shingle', severity: 'medium' }),
      finding({ id: 'c', className: 'missing_shingle', severity: 'medium' }),
    ],
    DEFAULT_PRICE_TABLE,
  );
  const line = e.lines[0]!;
  assert.deepEqual([line.quantity, line.unitPrice, line.amount], [3, 204.17, 612.51]);
  assert.equal(e.total, 612.51 + 150);
});

test('per m² sums the areas (to 0.01 m²), honours minQuantity, and money rounds to cents', () => {
  const prices: PriceTable = {
    currency: 'EUR',
    entries: [
      { className: 'moss', description: 'Moss removal', per: 'm2', unitPrice: 40 },
      { className: 'ponding', description: 'Ponding survey', per: 'm2', unitPrice: 10, minQuantity: 5 },
      { className: 'vent', description: 'Vent reseal', per: 'finding', unitPrice: 33.333 },
    ],
  };
  const e = estimateFromFindings(
    [
      finding({ id: 'm1', className: 'moss', areaM2: 1.5 }),
      finding({ id: 'm2', className: 'moss', areaM2: 2.25 }),
      finding({ id: 'p1', className: 'ponding', areaM2: 1 }),
      finding({ id: 'v1', className: 'vent' }),
      finding({ id: 'v2', className: 'vent' }),
      finding({ id: 'v3', className: 'vent' }),
    ],
    prices,
  );
  assert.deepEqual(
    e.lines.map((l) => [l.className, l.quantity, l.unit, l.unitPrice, l.amount]),
    [
      ['moss', 3.75, 'm²', 40, 150],
      ['ponding', 5, 'm²', 10, 50],
      ['vent', 3, 'each', 33.33, 99.99],
    ],
  );
  assert.equal(e.total, 299.99);
  assert.equal(e.currency, 'EUR');
});

test('area-priced severity is weighted by area; the first entry for a class wins', () => {
  const prices: PriceTable = {
    currency: 'USD',
    entries: [
      { className: 'hail', description: 'Hail', per: 'm2', unitPrice: 100, severityFactor: { low: 0.5, medium: 1, high: 2 } },
      { className: 'hail', description: 'Ignored duplicate', per: 'finding', unitPrice: 1 },
    ],
  };
  // 3 m² low + 1 m² high: factor (3 × 0.5 + 1 × 2) / 4 = 0.875 → $87.50 per m², 4 m² → $350.
  const e = estimateFromFindings(
    [finding({ id: 'a', severity: 'low', areaM2: 3 }), finding({ id: 'b', severity: 'high', areaM2: 1 })],
    prices,
  );
  assert.equal(e.lines.length, 1);
  assert.deepEqual([e.lines[0]!.description, e.lines[0]!.quantity, e.lines[0]!.unitPrice, e.lines[0]!.amount], ['Hail', 4, 87.5, 350]);
});

test('the total is exactly the sum of the line amounts', () => {
  const e = estimateFromFindings(sampleFindings(), DEFAULT_PRICE_TABLE);
  const cents = e.lines.reduce((s, l) => s + Math.round(l.amount * 100), 0);
  assert.equal(Math.round(e.total * 100), cents);
});

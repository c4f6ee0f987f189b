import type { Estimate, EstimateLine, Finding, PriceEntry, PriceTable, Severity } from '@fieldtrace/protocol';

/**
 * Findings → suggested estimate lines, priced from a tenant's price table.
 *
 * Every line reads as an invoice line a customer can check with a calculator: `amount = quantity × unitPrice`, to the
 * cent. Severity therefore enters through the unit price, not as a hidden multiplier on the amount:
 *
 *   factor    = weighted mean of the findings' severity factors (entry.severityFactor, 1 when absent), each finding
 *               weighted by its share of the quantity: 1 when priced per `finding`, its `areaM2` when priced per
 *               `square` or `m2` (a plain mean when every area is 0);
 *   unitPrice = round_to_cent(entry.unitPrice × factor);
 *   amount    = round_to_cent(quantity × unitPrice).
 *
 * Quantities: `finding` → number of findings; `square` → roofing squares (100 ft² = 9.290304 m²) of the summed
 * footprint area, rounded up; `m2` → summed area rounded to 0.01 m². Each is then raised to `minQuantity`.
 * Money is summed in integer cents, so the total is exactly the sum of the lines.
 *
 * Findings outside the roof outline are not priced (they may be a neighbour's roof, a car, a shadow): they appear in no
 * line and not in `unpriced`; the report lists them apart. Classes the table does not price land in `unpriced`
 * (sorted) for a person to price. The table's fixed lines are added once when at least one on-roof finding is priced.
 */

/** One roofing square: 100 ft² in m² (0.3048² × 100, exact). */
export const SQUARE_M2 = 9.290304;

/**
 * Illustrative US prices only (2020s residential asphalt-shingle ballpark): every tenant is expected to replace them
 * with its own table. Hail is priced by the damaged area in squares because insurers and roofers quote shingle
 * replacement that way; the point repairs are priced per finding.
 */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  currency: 'USD',
  entries: [
    {
      className: 'hail',
      description: 'Shingle replacement, hail-damaged area',
      per: 'square',
      unitPrice: 450,
      minQuantity: 1,
      severityFactor: { low: 0.8, medium: 1, high: 1.25 },
    },
    {
      className: 'missing_shingle',
      description: 'Replace missing shingles',
      per: 'finding',
      unitPrice: 175,
      severityFactor: { low: 1, medium: 1, high: 1.5 },
    },
    {
      className: 'lifted_shingle',
      description: 'Reseal and renail lifted shingles',
      per: 'finding',
      unitPrice: 95,
    },
    {
      className: 'flashing',
      description: 'Flashing repair',
      per: 'finding',
      unitPrice: 250,
      severityFactor: { low: 1, medium: 1, high: 1.4 },
    },
  ],
  fixed: [{ description: 'Inspection and mobilisation', amount: 150 }],
};

/** Units as printed on the lines. */
const UNIT: Record<PriceEntry['per'], string> = { finding: 'each', square: 'square', m2: 'm²' };

/** Findings → estimate; see the module comment for the arithmetic. Pure: no rounding surprises between runs. */
export function estimateFromFindings(findings: readonly Finding[], prices: PriceTable): Estimate {
  // First entry per class wins: a table edited by hand may repeat a class, and the first row is what the user sees.
  const entryByClass = new Map<string, PriceEntry>();
  for (const e of prices.entries) if (!entryByClass.has(e.className)) entryByClass.set(e.className, e);

  const byClass = new Map<string, Finding[]>();
  const unpriced = new Set<string>();
  for (const f of findings) {
    if (f.outsideRoof) continue;
    if (!entryByClass.has(f.className)) {
      unpriced.add(f.className);
      continue;
    }
    let group = byClass.get(f.className);
    if (!group) byClass.set(f.className, (group = []));
    group.push(f);
  }

  const lines: EstimateLine[] = [];
  let totalCents = 0;
  // Lines follow the price table's order: the tenant chose it, and it keeps the estimate stable between inspections.
  for (const [className, entry] of entryByClass) {
    const group = byClass.get(className);
    if (!group) continue;
    const quantity = quantityOf(entry, group);
    const unitCents = Math.round(entry.unitPrice * 100 * severityFactorOf(entry, group));
    const amountCents = Math.round(quantity * unitCents);
    totalCents += amountCents;
    lines.push({
      description: entry.description,
      className,
      quantity,
      unit: UNIT[entry.per],
      unitPrice: unitCents / 100,
      amount: amountCents / 100,
      findingIds: group.map((f) => f.id),
    });
  }

  if (lines.length > 0) {
    for (const fixed of prices.fixed ?? []) {
      const cents = Math.round(fixed.amount * 100);
      totalCents += cents;
      lines.push({
        description: fixed.description,
        className: null,
        quantity: 1,
        unit: 'each',
        unitPrice: cents / 100,
        amount: cents / 100,
        findingIds: [],
      });
    }
  }

  return { currency: prices.currency, lines, total: totalCents / 100, unpriced: [...unpriced].sort() };
}

function quantityOf(entry: PriceEntry, group: readonly Finding[]): number {
  let q: number;
  switch (entry.per) {
    case 'finding':
      q = group.length;
      break;
    case 'square': {
      // The epsilon keeps an exact multiple (2 squares = 18.580608 m²) from rounding up to 3 through float noise.
      q = Math.ceil(sumArea(group) / SQUARE_M2 - 1e-9);
      break;
    }
    case 'm2':
      q = Math.round(sumArea(group) * 100) / 100;
      break;
  }
  return Math.max(q, entry.minQuantity ?? 0);
}

function severityFactorOf(entry: PriceEntry, group: readonly Finding[]): number {
  const factors = entry.severityFactor;
  if (!factors) return 1;
  const byArea = entry.per !== 'finding' && sumArea(group) > 0;
  let weighted = 0;
  let weights = 0;
  for (const f of group) {
    const w = byArea ? f.areaM2 : 1;
    weighted += w * factorFor(factors, f.severity);
    weights += w;
  }
  return weights > 0 ? weighted / weights : 1;
}

function factorFor(factors: Record<Severity, number>, s: Severity): number {
  return factors[s];
}

function sumArea(group: readonly Finding[]): number {
  let a = 0;
  for (const f of group) a += f.areaM2;
  return a;
}

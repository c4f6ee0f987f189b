import { ValidationFailed } from './errors.js';

const UNIX_MS = /^\d{1,16}$/;

/** A query time bound: Unix ms (all digits) or anything `Date.parse` reads as ISO-8601. Absent → `fallback`. */
export function parseTimeBound(field: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = UNIX_MS.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw ValidationFailed([`querystring/${field}`, `'${value}' is neither ISO-8601 nor Unix ms`]);
  return ms;
}

/** Both bounds, checked for order. */
export function parseRange(q: { from?: string | undefined; to?: string | undefined }, defaults: { from: number; to: number }) {
  const from = parseTimeBound('from', q.from, defaults.from);
  const to = parseTimeBound('to', q.to, defaults.to);
  if (to < from) throw ValidationFailed(['querystring/to', 'is before from']);
  return { from, to };
}

import type { SensorReading } from '@fieldtrace/protocol';

type Body = Omit<SensorReading, 'v' | 'seq'>;
export type LineReject = 'empty' | 'bad-field' | 'bad-value' | 'bad-time' | 'too-many-fields';

const MAX_FIELDS = 64;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * One sensor line, in a subset of InfluxDB's line protocol that a shell script or a CAN-bus tool can print:
 *
 *   spreader_rate=12.5kg/km,ignition=true,engine_temp=88C 1795258633491
 *
 * Fields are `name=value[unit]` separated by commas; a value is a number (with an optional unit suffix) or
 * true/false; the optional trailing timestamp is Unix ms (default: now). Returns the reading or why it was refused.
 */
export function parseSensorLine(line: string, now: number): Body | LineReject {
  const text = line.trim();
  if (text.length === 0 || text.startsWith('#')) return 'empty';
  const space = text.lastIndexOf(' ');
  let fieldsPart = text;
  let ts = now;
  if (space > 0) {
    const token = text.slice(space + 1);
    // Fields hold no spaces, so text after the last one must be the timestamp: digits, or the line is malformed.
    if (!/^\d+$/.test(token)) return 'bad-field';
    const t = Number(token);
    if (t < 946684800000 || t > 4102444800000) return 'bad-time';
    ts = t;
    fieldsPart = text.slice(0, space).trim();
  }
  const fields = fieldsPart.split(',');
  if (fields.length > MAX_FIELDS) return 'too-many-fields';
  const readings: Body['readings'] = [];
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq <= 0) return 'bad-field';
    const name = f.slice(0, eq);
    const raw = f.slice(eq + 1);
    if (!NAME.test(name)) return 'bad-field';
    if (raw === 'true' || raw === 'false') {
      readings.push({ name, value: raw === 'true' });
      continue;
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)([A-Za-z%/°][A-Za-z0-9%/°]{0,15})?$/.exec(raw);
    if (!m) return 'bad-value';
    const value = Number(m[1]);
    if (!Number.isFinite(value)) return 'bad-value';
    readings.push(m[2] ? { name, value, unit: m[2] } : { name, value });
  }
  return { ts, readings };
}

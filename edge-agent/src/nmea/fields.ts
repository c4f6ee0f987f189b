/** Field decoders shared by the sentence parsers. Every one returns undefined for an empty or malformed field. */

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** A decimal number; rejects trailing junk (`12.3x`) that parseFloat would silently accept. */
export function decimal(field: string | undefined): number | undefined {
  if (field === undefined || field.length === 0) return undefined;
  const value = Number(field);
  return Number.isFinite(value) ? value : undefined;
}

export function integer(field: string | undefined): number | undefined {
  const value = decimal(field);
  return value !== undefined && Number.isInteger(value) ? value : undefined;
}

/**
 * `hhmmss[.s...]` → milliseconds since midnight UTC. The fraction is rounded to the millisecond, as gpsd's JSON
 * `time` prints milliseconds.
 */
export function timeOfDayMs(field: string | undefined): number | undefined {
  if (field === undefined || field.length < 6) return undefined;
  for (let i = 0; i < 6; i++) if (!isDigit(field.charCodeAt(i))) return undefined;
  const hours = Number(field.slice(0, 2));
  const minutes = Number(field.slice(2, 4));
  const seconds = Number(field.slice(4, 6));
  // 60 is a leap second, which UTC-based receivers may report.
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  let millis = 0;
  if (field.length > 6) {
    if (field.charCodeAt(6) !== 0x2e) return undefined;
    const fraction = field.slice(6);
    const value = Number(`0${fraction}`);
    if (!Number.isFinite(value)) return undefined;
    millis = Math.round(value * 1000);
  }
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/**
 * `ddmmyy` (RMC) → calendar date. Two-digit years are taken as 20yy, except 80–99 which are 19yy: GPS started in
 * 1980, and gpsd wraps at 2080 the same way.
 */
export function ddmmyy(field: string | undefined): CalendarDate | undefined {
  if (field === undefined || field.length !== 6) return undefined;
  for (let i = 0; i < 6; i++) if (!isDigit(field.charCodeAt(i))) return undefined;
  const day = Number(field.slice(0, 2));
  const month = Number(field.slice(2, 4));
  const yy = Number(field.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return { year: yy >= 80 ? 1900 + yy : 2000 + yy, month, day };
}

export function calendarDate(day: string | undefined, month: string | undefined, year: string | undefined): CalendarDate | undefined {
  const d = integer(day);
  const m = integer(month);
  const y = integer(year);
  if (d === undefined || m === undefined || y === undefined) return undefined;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1980 || y > 2200) return undefined;
  return { year: y, month: m, day: d };
}

/**
 * NMEA `dddmm.mmmm` + hemisphere → signed degrees. Degrees are the integer part divided by 100, as gpsd does it,
 * so a malformed field like `000000.0000` still decodes to 0 rather than failing.
 */
export function coordinate(value: string | undefined, hemisphere: string | undefined, negative: string, max: number): number | undefined {
  if (value === undefined || hemisphere === undefined || value.length === 0 || hemisphere.length === 0) return undefined;
  const dot = value.indexOf('.');
  if (dot < 0) return undefined;
  const raw = Number(value);
  if (!Number.isFinite(raw) || raw < 0) return undefined;
  const whole = Math.trunc(raw);
  const degrees = Math.trunc(whole / 100);
  const minutes = raw - degrees * 100;
  if (minutes >= 60) return undefined;
  const result = degrees + minutes / 60;
  if (result > max) return undefined;
  return hemisphere === negative ? -result : result;
}

export function latitude(value: string | undefined, hemisphere: string | undefined): number | undefined {
  if (hemisphere !== undefined && hemisphere !== 'N' && hemisphere !== 'S') return undefined;
  return coordinate(value, hemisphere, 'S', 90);
}

export function longitude(value: string | undefined, hemisphere: string | undefined): number | undefined {
  if (hemisphere !== undefined && hemisphere !== 'E' && hemisphere !== 'W') return undefined;
  return coordinate(value, hemisphere, 'W', 180);
}

/** Unix ms for a calendar date plus milliseconds since midnight. */
export function utcMs(date: CalendarDate, msOfDay: number): number {
  return Date.UTC(date.year, date.month - 1, date.day) + msOfDay;
}

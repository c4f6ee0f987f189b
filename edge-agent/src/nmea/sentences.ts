import { calendarDate, ddmmyy, decimal, integer, latitude, longitude, timeOfDayMs, type CalendarDate } from './fields.js';

/**
 * Decoded NMEA 0183 sentences that carry fix data. Field positions follow NMEA 0183 v4.11 and gpsd's NMEA notes
 * (https://gpsd.gitlab.io/gpsd/NMEA.html). The talker ID (GP, GN, GL, GA, GB/BD, QZ...) is kept but never changes
 * how a sentence is read. Every field is optional: receivers leave fields empty while they have no fix.
 */
interface Base {
  talker: string;
}

export interface Rmc extends Base {
  type: 'RMC';
  timeMs?: number;
  /** Status `A` (valid) rather than `V` (navigation receiver warning). */
  valid: boolean;
  lat?: number;
  lon?: number;
  speedKnots?: number;
  trackDeg?: number;
  date?: CalendarDate;
  /** FAA mode indicator (NMEA 2.3+): A autonomous, D differential, E dead reckoning, N not valid... */
  faaMode?: string;
}

export interface Gga extends Base {
  type: 'GGA';
  timeMs?: number;
  lat?: number;
  lon?: number;
  /** 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning, 7 manual, 8 simulator. */
  quality?: number;
  satellites?: number;
  hdop?: number;
  /** Antenna altitude above mean sea level, metres. */
  altMsl?: number;
}

export interface Gns extends Base {
  type: 'GNS';
  timeMs?: number;
  lat?: number;
  lon?: number;
  /** One FAA-style mode character per constellation (GPS, GLONASS, Galileo, BeiDou...). */
  modes: string;
  satellites?: number;
  hdop?: number;
  altMsl?: number;
}

export interface Vtg extends Base {
  type: 'VTG';
  trackDeg?: number;
  speedKnots?: number;
  faaMode?: string;
}

export interface Gsa extends Base {
  type: 'GSA';
  /** 1 no fix, 2 2D, 3 3D. */
  fixType?: number;
  satellitesUsed: number;
  pdop?: number;
  hdop?: number;
  vdop?: number;
}

export interface Gsv extends Base {
  type: 'GSV';
  messages?: number;
  messageNumber?: number;
  inView?: number;
}

export interface Gst extends Base {
  type: 'GST';
  timeMs?: number;
  rmsRange?: number;
  /** 1-sigma errors, metres. */
  latErrM?: number;
  lonErrM?: number;
  altErrM?: number;
}

export interface Gll extends Base {
  type: 'GLL';
  timeMs?: number;
  lat?: number;
  lon?: number;
  valid: boolean;
  faaMode?: string;
}

export interface Zda extends Base {
  type: 'ZDA';
  timeMs?: number;
  date?: CalendarDate;
}

export type NmeaSentence = Rmc | Gga | Gns | Vtg | Gsa | Gsv | Gst | Gll | Zda;
export type SentenceType = NmeaSentence['type'];

export type ParseRejectReason = 'unknown-type' | 'proprietary' | 'malformed';
export type ParseResult = { ok: true; sentence: NmeaSentence } | { ok: false; reason: ParseRejectReason };

/** Fewest data fields gpsd accepts per type (its `nf` table minus one): shorter sentences are malformed. */
const MIN_FIELDS: Record<SentenceType, number> = {
  RMC: 7,
  GGA: 12,
  GNS: 12,
  VTG: 4,
  GSA: 17,
  GSV: 3,
  GST: 7,
  GLL: 6,
  ZDA: 3,
};

function optional(field: string | undefined): string | undefined {
  return field === undefined || field.length === 0 ? undefined : field;
}

type Decoder = (f: readonly string[], talker: string) => NmeaSentence;

const DECODERS: Record<SentenceType, Decoder> = {
  RMC: (f, talker) => ({
    type: 'RMC',
    talker,
    timeMs: timeOfDayMs(f[1]),
    valid: f[2] === 'A',
    lat: latitude(f[3], f[4]),
    lon: longitude(f[5], f[6]),
    speedKnots: decimal(f[7]),
    trackDeg: decimal(f[8]),
    date: ddmmyy(f[9]),
    faaMode: optional(f[12]),
  }),
  GGA: (f, talker) => ({
    type: 'GGA',
    talker,
    timeMs: timeOfDayMs(f[1]),
    lat: latitude(f[2], f[3]),
    lon: longitude(f[4], f[5]),
    quality: integer(f[6]),
    satellites: integer(f[7]),
    hdop: decimal(f[8]),
    altMsl: decimal(f[9]),
  }),
  GNS: (f, talker) => ({
    type: 'GNS',
    talker,
    timeMs: timeOfDayMs(f[1]),
    lat: latitude(f[2], f[3]),
    lon: longitude(f[4], f[5]),
    modes: f[6] ?? '',
    satellites: integer(f[7]),
    hdop: decimal(f[8]),
    altMsl: decimal(f[9]),
  }),
  VTG: (f, talker) => ({
    type: 'VTG',
    talker,
    trackDeg: decimal(f[1]),
    // NMEA 2.x layout `t,T,m,M,n,N,k,K`; some old receivers omit the unit letters (`t,m,n,k`).
    speedKnots: f[2] === 'T' ? decimal(f[5]) : decimal(f[3]),
    faaMode: optional(f[9]),
  }),
  GSA: (f, talker) => {
    let used = 0;
    for (let i = 3; i <= 14; i++) if (optional(f[i]) !== undefined) used++;
    return {
      type: 'GSA',
      talker,
      fixType: integer(f[2]),
      satellitesUsed: used,
      pdop: decimal(f[15]),
      hdop: decimal(f[16]),
      vdop: decimal(f[17]),
    };
  },
  GSV: (f, talker) => ({
    type: 'GSV',
    talker,
    messages: integer(f[1]),
    messageNumber: integer(f[2]),
    inView: integer(f[3]),
  }),
  GST: (f, talker) => ({
    type: 'GST',
    talker,
    timeMs: timeOfDayMs(f[1]),
    rmsRange: decimal(f[2]),
    latErrM: decimal(f[6]),
    lonErrM: decimal(f[7]),
    altErrM: decimal(f[8]),
  }),
  GLL: (f, talker) => ({
    type: 'GLL',
    talker,
    lat: latitude(f[1], f[2]),
    lon: longitude(f[3], f[4]),
    timeMs: timeOfDayMs(f[5]),
    valid: f[6] === 'A',
    faaMode: optional(f[7]),
  }),
  ZDA: (f, talker) => ({
    type: 'ZDA',
    talker,
    timeMs: timeOfDayMs(f[1]),
    date: calendarDate(f[2], f[3], f[4]),
  }),
};

function isUpperAlnum(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
}

/**
 * Decodes one framed sentence (`$TTSSS,...` with or without `*hh`; the framer has already verified the checksum).
 * Never throws.
 */
export function parseSentence(framed: string): ParseResult {
  const star = framed.indexOf('*');
  const body = framed.slice(framed.charCodeAt(0) === 0x24 ? 1 : 0, star < 0 ? framed.length : star);
  const comma = body.indexOf(',');
  const address = comma < 0 ? body : body.slice(0, comma);
  if (address.length === 0) return { ok: false, reason: 'malformed' };
  if (address.charCodeAt(0) === 0x50 /* P */) return { ok: false, reason: 'proprietary' };
  if (address.length !== 5) return { ok: false, reason: 'unknown-type' };
  for (let i = 0; i < 5; i++) if (!isUpperAlnum(address.charCodeAt(i))) return { ok: false, reason: 'malformed' };
  const type = address.slice(2);
  if (!Object.hasOwn(DECODERS, type)) return { ok: false, reason: 'unknown-type' };
  const sentenceType = type as SentenceType;
  const fields = body.split(',');
  if (fields.length - 1 < MIN_FIELDS[sentenceType]) return { ok: false, reason: 'malformed' };
  return { ok: true, sentence: DECODERS[sentenceType](fields, address.slice(0, 2)) };
}

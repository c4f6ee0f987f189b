import type { common } from 'node-mavlink';
import type { Reading } from '../sources/source.js';
import { compact } from './camera-events.js';
import { unixMsFromUsec } from './time-anchor.js';
import { E7, round, UINT16_UNKNOWN, validLatLonE7 } from './units.js';

type FixBody = Extract<Reading, { kind: 'fix' }>['body'];
type FixQuality = FixBody['fix'];

/** GPS_FIX_TYPE (common.xml) → protocol fix quality. 0 NO_GPS and 1 NO_FIX give no reading. */
const QUALITY: Record<number, FixQuality> = {
  2: '2d',
  3: '3d',
  4: 'dgps',
  5: 'rtk-float',
  6: 'rtk-fixed',
  7: '3d', // STATIC: a surveyed-in base position
  8: '3d', // PPP
};

/** Ranges of the GpsFix schema; out-of-range optional fields are omitted instead of failing validation. */
const within = (v: number, min: number, max: number): number | undefined => (v >= min && v <= max ? v : undefined);

/**
 * The raw receiver fix (GPS_RAW_INT, id 24). Units: lat/lon 1e7 deg, alt mm MSL, eph HDOP×100, vel cm/s,
 * cog cdeg (UINT16_MAX = unknown), h_acc mm (MAVLink 2 extension, 0 when absent or on MAVLink 1).
 * `time_usec` is Unix µs when GPS-synchronised, else µs since boot (then anchored like time_boot_ms).
 */
export function fixFromGpsRawInt(gps: common.GpsRawInt, fromBootMs: (bootMs: number) => number, receivedAt: number): FixBody | undefined {
  const quality = QUALITY[Number(gps.fixType)];
  if (!quality || !validLatLonE7(gps.lat, gps.lon)) return undefined;
  const timeUsec = Number(gps.timeUsec);
  const ts = unixMsFromUsec(gps.timeUsec) ?? (timeUsec > 0 ? fromBootMs(Math.floor(timeUsec / 1000)) : receivedAt);
  return compact({
    ts,
    lat: gps.lat / E7,
    lon: gps.lon / E7,
    alt: within(round(gps.alt / 1000, 3), -1000, 20000),
    accuracy: gps.hAcc > 0 ? within(round(gps.hAcc / 1000, 3), 0, 100000) : undefined,
    speed: gps.vel !== UINT16_UNKNOWN ? within(round(gps.vel / 100, 2), 0, 150) : undefined,
    heading: gps.cog !== UINT16_UNKNOWN ? within(round(gps.cog / 100, 2), 0, 359.99) : undefined,
    fix: quality,
    sats: gps.satellitesVisible !== 255 ? gps.satellitesVisible : undefined,
    hdop: gps.eph !== UINT16_UNKNOWN ? within(round(gps.eph / 100, 2), 0, 100) : undefined,
  });
}

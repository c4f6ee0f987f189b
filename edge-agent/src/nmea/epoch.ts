import type { FixQuality } from '@fieldtrace/protocol';
import type { Gga, Gns, NmeaSentence } from './sentences.js';

/** gpsd's fix mode: 1 no fix, 2 2D, 3 3D (its TPV `mode`). */
export type FixMode = 'none' | '2d' | '3d';

/** Everything one reporting cycle (one receiver epoch) said, merged. */
export interface Epoch {
  /** Unix ms; undefined until an RMC or ZDA has supplied a date (GGA/GLL carry only the time of day). */
  time?: number;
  /** Milliseconds since midnight UTC of the epoch's timestamp. */
  timeOfDayMs: number;
  mode: FixMode;
  quality: FixQuality;
  lat?: number;
  lon?: number;
  /** Metres above mean sea level (GGA/GNS). */
  altMsl?: number;
  speedMps?: number;
  /** True when `speedMps` was derived from the distance to the previous fix, not reported by the receiver. */
  speedDerived?: boolean;
  trackDeg?: number;
  satellites?: number;
  hdop?: number;
  /** Horizontal 1-sigma error, metres: from GST when present, otherwise HDOP × UERE (see `accuracyFrom`). */
  accuracyM?: number;
  /** Sentences merged into this epoch. */
  sentences: number;
}

/** 1 knot = 1852 m / 3600 s exactly. */
export const KNOTS_TO_MPS = 1852 / 3600;

/**
 * User equivalent range error, 1-sigma metres, by fix quality. HDOP × UERE estimates the horizontal 1-sigma error
 * when the receiver sends no GST. 5 m is the usual single-frequency autonomous figure (GPS SPS Performance Standard
 * 2020 gives ≤ 7.8 m 95% URE, plus ionosphere/multipath); DGPS removes most of the common-mode errors (~1 m); RTK
 * figures are typical carrier-phase precisions. gpsd uses 15 m at 95% for the same purpose.
 */
export const UERE_M: Record<FixQuality, number> = {
  none: 5,
  '2d': 5,
  '3d': 5,
  dgps: 1,
  'rtk-float': 0.5,
  'rtk-fixed': 0.05,
  'dead-reckoning': 20,
};

/** GNS mode field: one character per constellation; N means that constellation has no fix. */
function hasValidMode(modes: string): boolean {
  for (let i = 0; i < modes.length; i++) if (modes.charCodeAt(i) !== 0x4e /* N */) return true;
  return false;
}

/** What the sentences of one cycle contributed, before the mode is decided. */
export class EpochDraft {
  timeOfDayMs: number | undefined;
  sentences = 0;
  lat: number | undefined;
  lon: number | undefined;
  altMsl: number | undefined;
  speedMps: number | undefined;
  trackDeg: number | undefined;
  satellites: number | undefined;
  hdop: number | undefined;
  gsaHdop: number | undefined;
  gsaUsed = 0;
  gstLatErr: number | undefined;
  gstLonErr: number | undefined;
  ggaQuality: number | undefined;
  gnsModes: string | undefined;
  faaMode: string | undefined;
  /**
   * gpsd's running fix mode, updated sentence by sentence in arrival order and carried over from the previous
   * cycle: gpsd reports after (nearly) every sentence, so a later sentence can only change what it already showed.
   */
  runningMode: FixMode;

  /** The mode the previous cycle ended with. */
  readonly #previousMode: FixMode;

  constructor(previousMode: FixMode) {
    this.runningMode = previousMode;
    this.#previousMode = previousMode;
  }

  /**
   * A sentence's opinion of the fix mode. Like gpsd, a "2D" opinion never downgrades a 3D fix already held
   * (RMC knows no 2D/3D, and some receivers send GSA 2 while GGA carries an altitude).
   */
  #propose(mode: FixMode): void {
    this.runningMode = mode === '2d' && this.runningMode === '3d' ? '3d' : mode;
  }

  merge(s: NmeaSentence): void {
    this.sentences++;
    switch (s.type) {
      case 'RMC':
        if (s.faaMode !== undefined) this.faaMode = s.faaMode;
        this.#propose(s.valid ? '2d' : 'none');
        if (s.valid) {
          this.#position(s.lat, s.lon);
          if (s.speedKnots !== undefined) this.speedMps = s.speedKnots * KNOTS_TO_MPS;
          if (s.trackDeg !== undefined) this.trackDeg = s.trackDeg;
        }
        return;
      case 'GLL':
        this.#propose(s.valid ? '2d' : 'none');
        if (s.valid) this.#position(s.lat, s.lon);
        return;
      case 'GGA':
      case 'GNS':
        this.#gga(s);
        return;
      case 'VTG':
        // VTG mode N means "data not valid"; gpsd ignores such a VTG entirely.
        if (s.faaMode === 'N' || s.faaMode === 'E') return;
        if (s.trackDeg !== undefined && s.speedKnots !== undefined) {
          this.trackDeg = s.trackDeg;
          this.speedMps = s.speedKnots * KNOTS_TO_MPS;
        }
        return;
      case 'GSA':
        if (s.fixType !== undefined && s.fixType >= 1 && s.fixType <= 3) {
          this.#propose(s.fixType === 3 ? '3d' : s.fixType === 2 ? '2d' : 'none');
        }
        if (s.hdop !== undefined) this.gsaHdop = s.hdop;
        this.gsaUsed += s.satellitesUsed;
        return;
      case 'GST':
        if (s.latErrM !== undefined && s.lonErrM !== undefined) {
          this.gstLatErr = s.latErrM;
          this.gstLonErr = s.lonErrM;
        }
        return;
      case 'GSV':
      case 'ZDA':
        return;
    }
  }

  #gga(s: Gga | Gns): void {
    if (s.type === 'GGA') this.ggaQuality = s.quality;
    else this.gnsModes = s.modes;
    if (s.satellites !== undefined) this.satellites = s.satellites;
    if (s.hdop !== undefined) this.hdop = s.hdop;
    const valid = s.type === 'GGA' ? (s.quality ?? 0) > 0 : hasValidMode(s.modes);
    if (!valid) {
      this.#propose('none');
      return;
    }
    this.#position(s.lat, s.lon);
    if (s.altMsl !== undefined) this.altMsl = s.altMsl;
    // An altitude means 3D, except that with fewer than 4 satellites gpsd wants an existing fix first (a first
    // 3-satellite solution is reported 2D: sl869 at 10:21:43).
    const sats = s.satellites;
    const enoughForThreeD = sats === undefined || sats >= 4 || this.#previousMode !== 'none';
    this.#propose(s.altMsl !== undefined && enoughForThreeD ? '3d' : '2d');
  }

  #position(lat: number | undefined, lon: number | undefined): void {
    if (lat === undefined || lon === undefined) return;
    this.lat = lat;
    this.lon = lon;
  }

  mode(): FixMode {
    return this.lat === undefined || this.lon === undefined ? 'none' : this.runningMode;
  }

  quality(mode: FixMode): FixQuality {
    if (mode === 'none') return 'none';
    switch (this.ggaQuality) {
      case 2:
        return 'dgps';
      case 4:
        return 'rtk-fixed';
      case 5:
        return 'rtk-float';
      case 6:
        return 'dead-reckoning';
    }
    switch (this.faaMode ?? this.gnsModes?.charAt(0)) {
      case 'D':
      case 'P':
        return 'dgps';
      case 'R':
        return 'rtk-fixed';
      case 'F':
        return 'rtk-float';
      case 'E':
        return 'dead-reckoning';
    }
    return mode;
  }

  accuracy(quality: FixQuality, hdop: number | undefined): number | undefined {
    if (this.gstLatErr !== undefined && this.gstLonErr !== undefined) {
      return Math.hypot(this.gstLatErr, this.gstLonErr);
    }
    return hdop === undefined ? undefined : hdop * UERE_M[quality];
  }
}

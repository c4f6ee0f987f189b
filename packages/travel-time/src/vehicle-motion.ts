import { haversineM } from '@fieldtrace/protocol';
import type { SpeedProfile } from './speed-profile.js';

/**
 * What one vehicle's fixes say: how fast it has been going lately (for the next minute or two of an estimate) and
 * stretches of travel for the fleet's speed profile and detour factor.
 *
 * Travel is measured between "anchors": a stretch closes once the vehicle is SAMPLE_M from where it started or
 * SAMPLE_S has passed, and its distance is the straight line between the two. At 1 Hz, summing fix-to-fix hops
 * would count GPS jitter as movement (a few m/s at a standstill); a 150 m straight line on a road cuts almost no
 * corner. Fixes sampled more sparsely than that close a stretch each. Standing is taught only once the vehicle
 * moves on, and only if it did so within MAX_STANDING_S: a layover at a terminus would otherwise make the last
 * cell of every trip look like a traffic jam.
 */

/** A stretch slower than this is standing: a stop, a red light, GPS drift, or parking (see holdStanding). */
export const MOVING_SPEED_MS = 1;
/** A stretch closes once the vehicle is this far from its start, m... */
const SAMPLE_M = 150;
/** ...or this long after it started, s. */
const SAMPLE_S = 60;
/** Fixes further apart than this leave the time in between unknown (a tunnel, the device off), s. */
const MAX_GAP_S = 300;
/** Faster than this is a GPS jump or a mismatched device, not driving, m/s (162 km/h). */
const MAX_PLAUSIBLE_MS = 45;
/** A single hop needs to be this long before its speed can condemn it (1 Hz fixes jitter by tens of metres). */
const MIN_JUMP_M = 100;
/** Standing longer than this is a layover or parking, which says nothing about the road, s (held back, see holdStanding). */
const MAX_STANDING_S = 180;
/** The detour factor is learned over stretches of this much road, m: the scale of a typical remaining leg. */
const LEG_M = 3000;
/** Time constant of the vehicle's recent speed, s. */
const RECENT_TAU_S = 120;
/** Evidence of the recent speed is capped at this, s. */
const MAX_RECENT_S = 600;

export class VehicleMotion {
  lastTs = Number.NEGATIVE_INFINITY;
  lastLat = 0;
  lastLon = 0;
  /** Time-weighted speed over the last couple of minutes, short stops included, m/s. */
  recentSpeedMs = 0;
  /** Seconds of travel behind recentSpeedMs (0: nothing known). */
  recentS = 0;
  private anchorTs = Number.NEGATIVE_INFINITY;
  private anchorLat = 0;
  private anchorLon = 0;
  /** Standing since the last moving stretch: how long, how far (drift), and where it began. */
  private standingS = 0;
  private standM = 0;
  private standLat = 0;
  private standLon = 0;
  private legLat = 0;
  private legLon = 0;
  private legPathM = 0;

  /**
   * Takes a fix newer than the last one; with `learn`, teaches `profile` the travel it completes and returns
   * true when it completed a moving stretch.
   */
  observe(profile: SpeedProfile, learn: boolean, lat: number, lon: number, ts: number, reportedSpeedMs: number | undefined): boolean {
    if (this.lastTs === Number.NEGATIVE_INFINITY) {
      this.restart(lat, lon, ts);
      return false;
    }
    const hopS = (ts - this.lastTs) / 1000;
    const hopM = haversineM(this.lastLat, this.lastLon, lat, lon);
    if (hopS > MAX_GAP_S || (hopM > MIN_JUMP_M && hopM / hopS > MAX_PLAUSIBLE_MS)) {
      this.restart(lat, lon, ts);
      return false;
    }
    // A receiver's own speed is the better near-term evidence: it sees the stops between sparse fixes.
    if (reportedSpeedMs !== undefined && reportedSpeedMs >= 0) this.addRecent(reportedSpeedMs, hopS);
    this.lastTs = ts;
    this.lastLat = lat;
    this.lastLon = lon;

    const d = haversineM(this.anchorLat, this.anchorLon, lat, lon);
    const s = (ts - this.anchorTs) / 1000;
    if (d < SAMPLE_M && s < SAMPLE_S) return false;
    const speed = d / s;
    if (speed > MAX_PLAUSIBLE_MS) {
      this.restart(lat, lon, ts);
      return false;
    }
    if (reportedSpeedMs === undefined) this.addRecent(speed, s);
    if (speed < MOVING_SPEED_MS) {
      this.holdStanding(d, s);
      this.moveAnchor(lat, lon, ts);
      return false;
    }
    if (learn && this.standingS > 0 && this.standingS <= MAX_STANDING_S) {
      profile.observeTravel(this.standLat, this.standLon, this.standLat, this.standLon, 0, this.standM, this.standingS, this.anchorTs);
    }
    this.standingS = 0;
    if (learn) profile.observeTravel(this.anchorLat, this.anchorLon, lat, lon, d, d, s, ts);
    this.legPathM += d;
    if (this.legPathM >= LEG_M) {
      if (learn) profile.observeLeg(this.legPathM, haversineM(this.legLat, this.legLon, lat, lon));
      this.startLeg(lat, lon);
    }
    this.moveAnchor(lat, lon, ts);
    return learn;
  }

  /**
   * Standing time is held back until the vehicle moves on: a bus stop or a red light is part of the journey and
   * is taught to the profile then; a layover, parking, or the end of a trip (after which it never moves on) is not.
   */
  private holdStanding(d: number, s: number): void {
    if (this.standingS === 0) {
      this.standLat = this.anchorLat;
      this.standLon = this.anchorLon;
      this.standM = 0;
    }
    this.standingS += s;
    this.standM += d;
    if (this.standingS > MAX_STANDING_S) {
      // Parked: how fast it went before says little about how fast it will go when it leaves.
      this.recentS = 0;
      this.startLeg(this.standLat, this.standLon);
    }
  }

  private moveAnchor(lat: number, lon: number, ts: number): void {
    this.anchorTs = ts;
    this.anchorLat = lat;
    this.anchorLon = lon;
  }

  private addRecent(speedMs: number, seconds: number): void {
    if (this.recentS === 0) this.recentSpeedMs = speedMs;
    else this.recentSpeedMs += (1 - Math.exp(-seconds / RECENT_TAU_S)) * (speedMs - this.recentSpeedMs);
    this.recentS = Math.min(MAX_RECENT_S, this.recentS + seconds);
  }

  private restart(lat: number, lon: number, ts: number): void {
    this.lastTs = ts;
    this.lastLat = lat;
    this.lastLon = lon;
    this.moveAnchor(lat, lon, ts);
    this.standingS = 0;
    this.startLeg(lat, lon);
  }

  private startLeg(lat: number, lon: number): void {
    this.legLat = lat;
    this.legLon = lon;
    this.legPathM = 0;
  }
}

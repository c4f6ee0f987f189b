/** Thresholds of trip, stop and idle detection. Every duration is event time, so a replay decides the same. */
export interface TripOptions {
  /**
   * A reported ground speed above this, m/s, confirms a departure from one fix outside the drift radius; without it
   * two consecutive fixes outside are needed, so a lone GPS jump never starts a trip. Fixes inside the radius that
   * are slower (reported, or by displacement) date the arrival and the departure (TRIP_MOVING_SPEED_MS).
   */
  movingSpeedMs: number;
  /** Fixes within this of where the vehicle stands, metres, are drift, not movement (TRIP_DRIFT_RADIUS_M). */
  driftRadiusM: number;
  /** The radius widens to this many times a fix's reported 1-sigma accuracy when that is larger (TRIP_ACCURACY_FACTOR). */
  accuracyFactor: number;
  /** ...but never beyond this, metres: a fix that bad says nothing either way (TRIP_MAX_DRIFT_RADIUS_M). */
  maxDriftRadiusM: number;
  /** Standing still this long, seconds, makes a stop (TRIP_STOP_MIN_S). */
  stopMinS: number;
  /** A stop this long, seconds, ends the trip, dated from the arrival (TRIP_END_MIN_S). */
  tripEndMinS: number;
  /** Engine on while standing still this long, seconds, is idling (TRIP_IDLE_MIN_S). */
  idleMinS: number;
  /**
   * No fix for this long, seconds, and the device is taken to be off: a standing vehicle is parked (its trip ends at
   * the arrival), a moving one lost (its trip ends at the last fix) (TRIP_SILENCE_S).
   */
  silenceS: number;
}

export const DEFAULT_TRIP_OPTIONS: Readonly<TripOptions> = Object.freeze({
  movingSpeedMs: 2,
  driftRadiusM: 40,
  accuracyFactor: 2,
  maxDriftRadiusM: 150,
  stopMinS: 120,
  tripEndMinS: 300,
  idleMinS: 120,
  silenceS: 900,
});

/** Defaults overlaid with `overrides`; throws once, listing every bad value (options are read at startup). */
export function tripOptions(overrides: Partial<TripOptions> = {}): Readonly<TripOptions> {
  const opts: TripOptions = { ...DEFAULT_TRIP_OPTIONS, ...overrides };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(opts)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) problems.push(`${key} must be a positive number, got ${String(value)}`);
  }
  if (opts.maxDriftRadiusM < opts.driftRadiusM) problems.push('maxDriftRadiusM must not be below driftRadiusM');
  if (problems.length > 0) throw new RangeError(`invalid trip options: ${problems.join('; ')}`);
  return Object.freeze(opts);
}

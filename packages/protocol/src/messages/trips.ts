import { Type, type Static } from '@sinclair/typebox';
import { EventTime, Id, Lat, Lon, WIRE_VERSION } from './common.js';

/**
 * Trips, stops and idling, as detected by the stream processors from positions and ignition/engine signals.
 * Bus kind `trip`. Every interval is announced twice: `*_start` when it is confirmed (which can be minutes after it
 * began: a stop is only a stop once it has lasted long enough) and `*_end` when it is over, carrying its length.
 */

export const TripEventKind = Type.Union([
  Type.Literal('trip_start'),
  Type.Literal('trip_end'),
  Type.Literal('stop_start'),
  Type.Literal('stop_end'),
  Type.Literal('idle_start'),
  Type.Literal('idle_end'),
]);
export type TripEventKind = Static<typeof TripEventKind>;

/** Why a trip ended: the vehicle stood still long enough, the ignition went off, or the device fell silent. */
export const TripEndReason = Type.Union([Type.Literal('stopped'), Type.Literal('ignition_off'), Type.Literal('silence')]);
export type TripEndReason = Static<typeof TripEndReason>;

export const TripEvent = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  /**
   * Deterministic from (tenant, device, kind, start of the interval): a replay of the same fixes yields the same
   * ids, so consumers store each event once. The start and end of one interval share the start time in their ids.
   */
  id: Type.String({ maxLength: 200 }),
  tenantId: Id,
  deviceId: Id,
  vehicleId: Type.Optional(Id),
  kind: TripEventKind,
  /**
   * Event time of the boundary itself, Unix ms: for `*_start` when the interval began (not when it was confirmed),
   * for `*_end` when it ended.
   */
  ts: EventTime,
  lat: Lat,
  lon: Lon,
  /** `*_end` only: when the interval began (the `ts` of its `*_start`). */
  startedAt: Type.Optional(EventTime),
  /** `*_end` only: ts - startedAt, seconds. */
  durationS: Type.Optional(Type.Number({ minimum: 0 })),
  /** `trip_end` only: distance travelled along the fixes, metres. */
  distanceM: Type.Optional(Type.Number({ minimum: 0 })),
  /** `trip_end` only: the highest speed seen during the trip, m/s (reported by the receiver, else from displacement). */
  maxSpeedMs: Type.Optional(Type.Number({ minimum: 0 })),
  /** `trip_end` only. */
  reason: Type.Optional(TripEndReason),
});
export type TripEvent = Static<typeof TripEvent>;

import { Type, type Static } from '@sinclair/typebox';
import { Lat, Lon, WIRE_VERSION, uplink } from './common.js';

export const FixQuality = Type.Union([
  Type.Literal('none'),
  Type.Literal('2d'),
  Type.Literal('3d'),
  Type.Literal('dgps'),
  Type.Literal('rtk-float'),
  Type.Literal('rtk-fixed'),
  Type.Literal('dead-reckoning'),
]);
export type FixQuality = Static<typeof FixQuality>;

/** One position fix from a vehicle's GNSS receiver. Topic kind `fix`. */
export const GpsFix = uplink({
  lat: Lat,
  lon: Lon,
  alt: Type.Optional(Type.Number({ minimum: -1000, maximum: 20000, description: 'metres above MSL' })),
  accuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 100000, description: 'horizontal 1-sigma error, metres' })),
  speed: Type.Optional(Type.Number({ minimum: 0, maximum: 150, description: 'ground speed, m/s' })),
  heading: Type.Optional(Type.Number({ minimum: 0, maximum: 360, description: 'course over ground, degrees true' })),
  fix: FixQuality,
  sats: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  hdop: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
});
export type GpsFix = Static<typeof GpsFix>;

/** Most fixes one `fixes` message may carry: a store-and-forward backlog drains in messages of this size at most. */
export const MAX_FIXES_PER_MESSAGE = 500;

/**
 * Several fixes in one message (topic kind `fixes`), as an agent sends a backlog or a 10 Hz receiver's output:
 * one MQTT round trip instead of hundreds. Each fix keeps its own seq and event time; the batch has neither.
 */
export const GpsFixBatch = Type.Object(
  { v: Type.Literal(WIRE_VERSION), fixes: Type.Array(GpsFix, { minItems: 1, maxItems: MAX_FIXES_PER_MESSAGE }) },
  { additionalProperties: false },
);
export type GpsFixBatch = Static<typeof GpsFixBatch>;

import { Type, type Static } from '@sinclair/typebox';
import { Lat, Lon } from './messages/common.js';

/** [lon, lat] as in GeoJSON (RFC 7946 §3.1.1). */
export const LonLat = Type.Tuple([Lon, Lat]);
export type LonLat = Static<typeof LonLat>;

export const CircleShape = Type.Object(
  { type: Type.Literal('circle'), center: LonLat, radiusM: Type.Number({ exclusiveMinimum: 0, maximum: 100000 }) },
  { additionalProperties: false },
);
/** A GeoJSON-style polygon: the first ring is the outline, any further rings are holes. */
export const PolygonShape = Type.Object(
  {
    type: Type.Literal('polygon'),
    coordinates: Type.Array(Type.Array(LonLat, { minItems: 4, maxItems: 10000 }), { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
export const GeofenceShape = Type.Union([CircleShape, PolygonShape]);
export type CircleShape = Static<typeof CircleShape>;
export type PolygonShape = Static<typeof PolygonShape>;
export type GeofenceShape = Static<typeof GeofenceShape>;

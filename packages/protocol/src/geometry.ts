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
const Ring = Type.Array(LonLat, { minItems: 4, maxItems: 10000 });
/** Several polygons that are one fence (a campus with two yards); each member is outline + holes as above. */
export const MultiPolygonShape = Type.Object(
  {
    type: Type.Literal('multipolygon'),
    coordinates: Type.Array(Type.Array(Ring, { minItems: 1, maxItems: 100 }), { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);
/** A polyline with a width: inside means within widthM / 2 of the line (a haul road, a plow route, a pipeline). */
export const CorridorShape = Type.Object(
  {
    type: Type.Literal('corridor'),
    path: Type.Array(LonLat, { minItems: 2, maxItems: 10000 }),
    widthM: Type.Number({ exclusiveMinimum: 0, maximum: 10000 }),
  },
  { additionalProperties: false },
);
export const GeofenceShape = Type.Union([CircleShape, PolygonShape, MultiPolygonShape, CorridorShape]);
export type CircleShape = Static<typeof CircleShape>;
export type PolygonShape = Static<typeof PolygonShape>;
export type MultiPolygonShape = Static<typeof MultiPolygonShape>;
export type CorridorShape = Static<typeof CorridorShape>;
export type GeofenceShape = Static<typeof GeofenceShape>;

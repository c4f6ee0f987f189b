import { Type, type Static } from '@sinclair/typebox';
import { GeofenceKind, LonLat, type Geofence } from '@fieldtrace/protocol';

/** RFC 7946 FeatureCollection of geofences, the shape a map library draws without conversion. */
const FenceProperties = Type.Object({
  id: Type.String(),
  name: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  kind: GeofenceKind,
  speedLimitKmh: Type.Union([Type.Number(), Type.Null()]),
  /** Circles only: GeoJSON has no circle, so a circle is its centre Point plus this radius in metres. */
  radiusM: Type.Optional(Type.Number()),
  /** Corridors only: GeoJSON has no buffered line, so a corridor is its centre LineString plus this width in metres. */
  widthM: Type.Optional(Type.Number()),
});
const Ring = Type.Array(LonLat);
const Feature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Union([
    Type.Object({ type: Type.Literal('Point'), coordinates: LonLat }),
    Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Ring) }),
    Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(Type.Array(Ring)) }),
    Type.Object({ type: Type.Literal('LineString'), coordinates: Ring }),
  ]),
  properties: FenceProperties,
});
export const FeatureCollection = Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Feature) });
export type FeatureCollection = Static<typeof FeatureCollection>;
type Feature = Static<typeof Feature>;

export function toFeature(g: Geofence): Feature {
  const properties = { id: g.id, name: g.name, siteId: g.siteId, kind: g.kind, speedLimitKmh: g.speedLimitKmh };
  const s = g.shape;
  switch (s.type) {
    case 'circle':
      return { type: 'Feature', id: g.id, geometry: { type: 'Point', coordinates: s.center }, properties: { ...properties, radiusM: s.radiusM } };
    case 'polygon':
      return { type: 'Feature', id: g.id, geometry: { type: 'Polygon', coordinates: s.coordinates }, properties };
    case 'multipolygon':
      return { type: 'Feature', id: g.id, geometry: { type: 'MultiPolygon', coordinates: s.coordinates }, properties };
    case 'corridor':
      return { type: 'Feature', id: g.id, geometry: { type: 'LineString', coordinates: s.path }, properties: { ...properties, widthM: s.widthM } };
  }
}

export function toFeatureCollection(fences: readonly Geofence[]): FeatureCollection {
  return { type: 'FeatureCollection', features: fences.map(toFeature) };
}

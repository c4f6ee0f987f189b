import { Type, type Static } from '@sinclair/typebox';
import { LonLat, type Geofence } from '@fieldtrace/protocol';

/** RFC 7946 FeatureCollection of geofences, the shape a map library draws without conversion. */
const FenceProperties = Type.Object({
  id: Type.String(),
  name: Type.String(),
  siteId: Type.Union([Type.String(), Type.Null()]),
  /** Circles only: GeoJSON has no circle, so a circle is its centre Point plus this radius in metres. */
  radiusM: Type.Optional(Type.Number()),
});
const Feature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Union([
    Type.Object({ type: Type.Literal('Point'), coordinates: LonLat }),
    Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(LonLat)) }),
  ]),
  properties: FenceProperties,
});
export const FeatureCollection = Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Feature) });
export type FeatureCollection = Static<typeof FeatureCollection>;
type Feature = Static<typeof Feature>;

export function toFeature(g: Geofence): Feature {
  const properties = { id: g.id, name: g.name, siteId: g.siteId };
  return g.shape.type === 'circle'
    ? { type: 'Feature', id: g.id, geometry: { type: 'Point', coordinates: g.shape.center }, properties: { ...properties, radiusM: g.shape.radiusM } }
    : { type: 'Feature', id: g.id, geometry: { type: 'Polygon', coordinates: g.shape.coordinates }, properties };
}

export function toFeatureCollection(fences: readonly Geofence[]): FeatureCollection {
  return { type: 'FeatureCollection', features: fences.map(toFeature) };
}

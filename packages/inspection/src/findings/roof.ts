import { pointInPolygon } from '@fieldtrace/protocol';

/**
 * Whether a finding's centre lies off the roof: outside the site's roof outline ([lon, lat] ring, as SiteRoof stores
 * it). Even-odd test on lon/lat treated as planar (protocol's `pointInPolygon`), exact enough for a building.
 * No outline (or a degenerate one) means nothing can be called off the roof: false.
 * The test is strict on the outline: damage at the eaves whose georeferenced centre lands a few centimetres past the
 * edge counts as outside — it is still reported, only kept apart from the priced findings.
 */
export function isOutsideRoof(lat: number, lon: number, outline?: ReadonlyArray<readonly [number, number]>): boolean {
  if (!outline || outline.length < 3) return false;
  return !pointInPolygon(lon, lat, [outline]);
}

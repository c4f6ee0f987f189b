import { haversineM, pointInPolygon, type GeofenceShape } from '@fieldtrace/protocol';
import { nearestEdgeM } from '../geometry/edge-distance.js';
import { polylineDistanceM } from '../geometry/polyline-distance.js';

/** A site without a fence: the default fence radius a site gets on creation (protocol `SiteInput.radiusM`). */
export const DEFAULT_ARRIVAL_RADIUS_M = 60;

/**
 * Radius around a site's location within which a vehicle is certainly inside the site's fence, so its ETA is 0:
 * for a circle, the part of the circle around the location; for a polygon, the distance from the location to
 * the nearest edge (0 when the location lies outside its own fence, which the API should not allow).
 */
export function arrivalRadiusM(siteLat: number, siteLon: number, shape: GeofenceShape | undefined): number {
  if (!shape) return DEFAULT_ARRIVAL_RADIUS_M;
  if (shape.type === 'circle') {
    return Math.max(0, shape.radiusM - haversineM(siteLat, siteLon, shape.center[1], shape.center[0]));
  }
  if (shape.type === 'corridor') return Math.max(0, shape.widthM / 2 - polylineDistanceM(siteLat, siteLon, shape.path, 0));
  const members = shape.type === 'polygon' ? [shape.coordinates] : shape.coordinates;
  const member = members.find((rings) => pointInPolygon(siteLon, siteLat, rings));
  return member === undefined ? 0 : nearestEdgeM(siteLat, siteLon, member);
}

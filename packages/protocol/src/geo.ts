/** Pure geodesy for the hot path: numbers in, numbers out, no allocation. */

export const EARTH_RADIUS_M = 6_371_008.8; // IUGG mean radius
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine; error < 0.5% against the ellipsoid). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const s = Math.sin(dLat / 2);
  const t = Math.sin(dLon / 2);
  const a = s * s + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * t * t;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Initial bearing from point 1 to point 2, degrees clockwise from true north in [0, 360). */
export function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const dl = (lon2 - lon1) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return ((Math.atan2(y, x) / RAD) + 360) % 360;
}

/** Metres per degree of latitude/longitude at a latitude: the local flat-earth scale for small offsets. */
export function metresPerDegree(lat: number): { lat: number; lon: number } {
  const mLat = EARTH_RADIUS_M * RAD;
  return { lat: mLat, lon: mLat * Math.cos(lat * RAD) };
}

/** Destination from a start point, a bearing (degrees) and a distance (metres), flat-earth: for offsets under a few km. */
export function offsetLatLon(lat: number, lon: number, bearing: number, distanceM: number): [number, number] {
  const m = metresPerDegree(lat);
  const b = bearing * RAD;
  return [lat + (Math.cos(b) * distanceM) / m.lat, lon + (Math.sin(b) * distanceM) / m.lon];
}

/**
 * Even-odd ray casting over a ring of [lon, lat] pairs. Treats lon/lat as planar, which is exact enough for
 * fences of a few km away from the poles and the antimeridian.
 */
export function pointInRing(lon: number, lat: number, ring: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    const ay = a[1];
    const by = b[1];
    if (ay > lat !== by > lat && lon < ((b[0] - a[0]) * (lat - ay)) / (by - ay) + a[0]) inside = !inside;
  }
  return inside;
}

/** Inside the outline and outside every hole. */
export function pointInPolygon(lon: number, lat: number, rings: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): boolean {
  const outline = rings[0];
  if (!outline || !pointInRing(lon, lat, outline)) return false;
  for (let r = 1; r < rings.length; r++) if (pointInRing(lon, lat, rings[r]!)) return false;
  return true;
}

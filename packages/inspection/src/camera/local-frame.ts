/**
 * A local East-North plane (metres) tangent to the WGS84 ellipsoid at an origin, for the few hundred metres a roof
 * inspection spans. Flat-earth offsets scaled by the ellipsoid's radii of curvature at the origin: the meridional
 * radius M for north, the prime-vertical radius N·cos φ for east, the latter taken at the mean latitude of origin and
 * point so that converging meridians cost nothing to first order. Against an exact ECEF → ENU conversion this stays
 * within 5 mm at 200 m (what remains is the tangent plane's own drop from the ellipsoid, d²/2R).
 *
 * Why not @fieldtrace/protocol's `metresPerDegree`: it uses the mean spherical radius, which is off by 0.1–0.6 %
 * against WGS84 depending on latitude and axis (at 53° N: 16 cm north and 65 cm east over 200 m) — fine for routing,
 * not for placing a hail mark.
 */

const WGS84_A = 6_378_137; // semi-major axis, m
const WGS84_F = 1 / 298.257223563;
const WGS84_E2 = WGS84_F * (2 - WGS84_F); // first eccentricity squared
const RAD = Math.PI / 180;

export interface LocalFrame {
  readonly lat0: number;
  readonly lon0: number;
  /** [east, north] metres of a point from the origin. */
  toEastNorth(lat: number, lon: number): [number, number];
  /** [lat, lon] of a point `east`, `north` metres from the origin. */
  toLatLon(east: number, north: number): [number, number];
}

export function localFrame(lat0: number, lon0: number): LocalFrame {
  const s = Math.sin(lat0 * RAD);
  const w = 1 - WGS84_E2 * s * s;
  const mPerDegLat = ((WGS84_A * (1 - WGS84_E2)) / (w * Math.sqrt(w))) * RAD; // M, per degree
  const nPerDeg = (WGS84_A / Math.sqrt(w)) * RAD; // N, per degree (× cos φ for longitude)
  return {
    lat0,
    lon0,
    toEastNorth(lat, lon) {
      const mid = ((lat + lat0) / 2) * RAD;
      return [(lon - lon0) * nPerDeg * Math.cos(mid), (lat - lat0) * mPerDegLat];
    },
    toLatLon(east, north) {
      const lat = lat0 + north / mPerDegLat;
      const mid = ((lat + lat0) / 2) * RAD;
      return [lat, lon0 + east / (nPerDeg * Math.cos(mid))];
    },
  };
}

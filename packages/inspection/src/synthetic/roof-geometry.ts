/**
 * The roof frame shared by the scene builder and the renderer. Origin at the roof's centre (= the scene origin),
 * `a` along the ridge and eaves, `b` across; the roof is `widthM` along a and `depthM` along b, turned `yawDeg`
 * clockwise (at 0 the ridge runs east–west). It is a gable: two faces meeting at the ridge (b = 0), shaded as slopes
 * but lying in one plane, the flat roof plane the pipeline georeferences onto.
 */

/** Half-width of the ridge cap and width of the eave gutter, m. */
export const RIDGE_CAP_HALF_M = 0.15;
export const GUTTER_M = 0.12;

/** Unit vectors of the roof's a and b axes in [east, north]. */
export function roofAxes(yawDeg: number): { ua: [number, number]; ub: [number, number] } {
  const y = (yawDeg * Math.PI) / 180;
  return { ua: [Math.cos(y), -Math.sin(y)], ub: [Math.sin(y), Math.cos(y)] };
}

export function roofToEastNorth(yawDeg: number, a: number, b: number): [number, number] {
  const { ua, ub } = roofAxes(yawDeg);
  return [a * ua[0] + b * ub[0], a * ua[1] + b * ub[1]];
}

export function eastNorthToRoof(yawDeg: number, east: number, north: number): [number, number] {
  const { ua, ub } = roofAxes(yawDeg);
  return [east * ua[0] + north * ua[1], east * ub[0] + north * ub[1]];
}

/**
 * Where a roof point lies on the shingle field: which face (0: the face whose eave is at b = −depth/2), the
 * coordinate along its courses (the second face is mirrored so its courses are laid from the other end) and the
 * distance up the slope from its eave.
 */
export function roofSurface(depthM: number, a: number, b: number): { face: 0 | 1; along: number; upSlope: number } {
  return b < 0 ? { face: 0, along: a, upSlope: b + depthM / 2 } : { face: 1, along: -a, upSlope: depthM / 2 - b };
}

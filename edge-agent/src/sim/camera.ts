/**
 * The ground station's survey camera, mirrored from `firmware-configs/ground-station-default.json` (a 1-inch
 * 20 MP sensor behind an 8.8 mm lens, as on common survey quadcopters). The survey planner needs only the
 * footprint geometry; the intrinsics live in the JSON profile for the photogrammetry side.
 */
export const GROUND_STATION_CAMERA = {
  profile: 'ground-station-default',
  widthPx: 5472,
  heightPx: 3648,
  sensorWidthMm: 13.2,
  sensorHeightMm: 8.8,
  focalLengthMm: 8.8,
} as const;

/** Ground footprint of one nadir image at a height above ground, metres (pinhole: size = h × sensor / f). */
export function footprintM(altitudeM: number, camera = GROUND_STATION_CAMERA): { acrossM: number; alongM: number } {
  return {
    acrossM: (altitudeM * camera.sensorWidthMm) / camera.focalLengthMm,
    alongM: (altitudeM * camera.sensorHeightMm) / camera.focalLengthMm,
  };
}

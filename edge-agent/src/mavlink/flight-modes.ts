import { ardupilotmega, minimal } from 'node-mavlink';

const { MavAutopilot, MavModeFlag, MavType } = minimal;
const { CopterMode, PlaneMode, RoverMode, SubMode } = ardupilotmega;

const COPTER_TYPES = new Set<number>([
  MavType.QUADROTOR, MavType.COAXIAL, MavType.HELICOPTER, MavType.HEXAROTOR, MavType.OCTOROTOR, MavType.TRICOPTER,
  MavType.DODECAROTOR,
]);
const PLANE_TYPES = new Set<number>([
  MavType.FIXED_WING, MavType.VTOL_TAILSITTER_DUOROTOR, MavType.VTOL_TAILSITTER_QUADROTOR, MavType.VTOL_TILTROTOR,
  MavType.VTOL_FIXEDROTOR, MavType.VTOL_TAILSITTER, MavType.VTOL_TILTWING, MavType.VTOL_RESERVED5,
]);
const ROVER_TYPES = new Set<number>([MavType.GROUND_ROVER, MavType.SURFACE_BOAT]);

/** PX4 packs main mode in bits 16..23 and the AUTO sub-mode in bits 24..31 of custom_mode (px4_custom_mode.h). */
const PX4_MAIN: Record<number, string> = { 1: 'MANUAL', 2: 'ALTCTL', 3: 'POSCTL', 4: 'AUTO', 5: 'ACRO', 6: 'OFFBOARD', 7: 'STABILIZED', 8: 'RATTITUDE' };
const PX4_AUTO: Record<number, string> = { 1: 'READY', 2: 'TAKEOFF', 3: 'LOITER', 4: 'MISSION', 5: 'RTL', 6: 'LAND', 8: 'FOLLOW_TARGET', 9: 'PRECLAND' };

/** Heartbeat senders that are peripherals or ground equipment, never the vehicle whose position we report. */
const NOT_A_VEHICLE = new Set<number>([
  MavType.GCS, MavType.ANTENNA_TRACKER, MavType.ONBOARD_CONTROLLER, MavType.GIMBAL, MavType.ADSB, MavType.CAMERA,
  MavType.CHARGING_STATION, MavType.FLARM, MavType.SERVO, MavType.ODID, MavType.BATTERY, MavType.PARACHUTE,
  MavType.LOG, MavType.OSD, MavType.IMU, MavType.GPS, MavType.WINCH,
]);

/** True for heartbeats from an autopilot, not from a ground station, radio, gimbal or companion computer. */
export function isVehicleHeartbeat(type: number, autopilot: number): boolean {
  return autopilot !== MavAutopilot.INVALID && !NOT_A_VEHICLE.has(type);
}

export function isArmed(baseMode: number): boolean {
  return (baseMode & MavModeFlag.SAFETY_ARMED) !== 0;
}

/**
 * Human flight-mode name (as Mission Planner / QGroundControl show it) from a vehicle heartbeat, or `undefined`
 * when the firmware or vehicle type is not one whose custom_mode table we know.
 */
export function flightModeName(type: number, autopilot: number, customMode: number): string | undefined {
  if (autopilot === MavAutopilot.ARDUPILOTMEGA) {
    const table: Record<number, string> | undefined = COPTER_TYPES.has(type)
      ? CopterMode
      : PLANE_TYPES.has(type)
        ? PlaneMode
        : ROVER_TYPES.has(type)
          ? RoverMode
          : type === MavType.SUBMARINE
            ? SubMode
            : undefined;
    return table?.[customMode];
  }
  if (autopilot === MavAutopilot.PX4) {
    const main = PX4_MAIN[(customMode >>> 16) & 0xff];
    if (main !== 'AUTO') return main;
    const sub = PX4_AUTO[(customMode >>> 24) & 0xff];
    return sub ? `AUTO.${sub}` : main;
  }
  return undefined;
}

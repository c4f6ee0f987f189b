import type { common, minimal } from 'node-mavlink';
import { flightModeName, isArmed } from './flight-modes.js';
import { normaliseHeading, radToDeg } from './units.js';

/** The latest of everything a drone reading combines, kept per vehicle between GLOBAL_POSITION_INT messages. */
export interface VehicleState {
  armed?: boolean;
  mode?: string;
  roll?: number;
  pitch?: number;
  /** Degrees, 0..360. */
  yaw?: number;
  batteryPct?: number;
  missionSeq?: number;
  home?: { lat: number; lon: number; altMsl: number };
}

export function applyHeartbeat(state: VehicleState, hb: minimal.Heartbeat): { armedChanged: boolean } {
  const armed = isArmed(hb.baseMode);
  const armedChanged = state.armed !== undefined && state.armed !== armed;
  state.armed = armed;
  const mode = flightModeName(hb.type, hb.autopilot, hb.customMode);
  if (mode !== undefined) state.mode = mode.slice(0, 32);
  return { armedChanged };
}

export function applyAttitude(state: VehicleState, att: common.Attitude): void {
  if (!Number.isFinite(att.roll) || !Number.isFinite(att.pitch) || !Number.isFinite(att.yaw)) return;
  state.roll = radToDeg(att.roll);
  state.pitch = radToDeg(att.pitch);
  state.yaw = normaliseHeading(att.yaw * (180 / Math.PI));
}

/** battery_remaining is int8 percent; −1 means the autopilot does not know (no current sensor). */
export function applyBatteryRemaining(state: VehicleState, remaining: number): void {
  if (remaining >= 0 && remaining <= 100) state.batteryPct = remaining;
}

export function applySysStatus(state: VehicleState, status: common.SysStatus): void {
  applyBatteryRemaining(state, status.batteryRemaining);
}

export function applyBatteryStatus(state: VehicleState, battery: common.BatteryStatus): void {
  // Battery 0 is the main pack; others (e.g. a payload battery) would make the percentage flicker.
  if (battery.id === 0) applyBatteryRemaining(state, battery.batteryRemaining);
}

export function applyMissionCurrent(state: VehicleState, mission: common.MissionCurrent): void {
  state.missionSeq = mission.seq;
}

import assert from 'node:assert/strict';
import {
  AlertChange,
  CompiledSchema,
  type AlertRule,
  type DroneBatteryRule,
  type EtaSlipRule,
  type IdlingRule,
  type LeaveAreaRule,
  type OfflineRule,
  type SensorThresholdRule,
  type SpeedingRule,
} from '@fieldtrace/protocol';
import { T0 } from '../test-support/tracks.js';
import { createAlertState, setAlertRules, type AlertOptions, type AlertPositionInput, type AlertState } from './alert-core.js';

/** Test helpers for the alert core: rules with defaults, inputs at T0 + seconds, and a sink that checks the wire schema. Tests only. */

export const TENANT = 't1';
export const LAT = 53.4084;
export const LON = -2.9916;

/** Event time `s` seconds after T0. */
export function at(s: number): number {
  return T0 + s * 1000;
}

const wire = new CompiledSchema(AlertChange);

export interface Harness {
  state: AlertState;
  /** Every change appended since the last call; each one checked against the AlertChange wire schema. */
  take(): AlertChange[];
  out: AlertChange[];
}

export function harness(rules: AlertRule[], opts: Partial<AlertOptions> = {}): Harness {
  const state = createAlertState(opts);
  const out: AlertChange[] = [];
  setAlertRules(state, TENANT, rules, T0, out);
  assert.equal(out.length, 0);
  return {
    state,
    out,
    take() {
      const changes = out.splice(0, out.length);
      for (const c of changes) assert.ok(wire.is(c), `${wire.explain(c)} in ${JSON.stringify(c)}`);
      return changes;
    },
  };
}

/** `change:status` of each change, the shortest readable summary of what a subscriber saw. */
export function summary(changes: readonly AlertChange[]): string[] {
  return changes.map((c) => `${c.change}:${c.alert.status}`);
}

const common = { name: 'Test rule', severity: 'warning' as const, cooldownS: 0 };

export function speedingRule(over: Partial<SpeedingRule> = {}): SpeedingRule {
  return { id: 'speed', kind: 'speeding', ...common, useFenceLimits: true, limitKmh: 90, ...over };
}
export function idlingRule(over: Partial<IdlingRule> = {}): IdlingRule {
  return { id: 'idle', kind: 'idling', ...common, maxIdleS: 300, ...over };
}
export function offlineRule(over: Partial<OfflineRule> = {}): OfflineRule {
  return { id: 'offline', kind: 'offline', ...common, maxSilenceS: 600, ...over };
}
export function droneBatteryRule(over: Partial<DroneBatteryRule> = {}): DroneBatteryRule {
  return { id: 'battery', kind: 'drone_battery', ...common, minPct: 25, ...over };
}
export function sensorRule(over: Partial<SensorThresholdRule> = {}): SensorThresholdRule {
  return { id: 'temp', kind: 'sensor_threshold', ...common, sensor: 'engine_temp_c', above: 105, ...over };
}
export function leaveAreaRule(over: Partial<LeaveAreaRule> = {}): LeaveAreaRule {
  return { id: 'yard', kind: 'leave_area', ...common, geofenceId: 'g-yard', ...over };
}
export function etaSlipRule(over: Partial<EtaSlipRule> = {}): EtaSlipRule {
  return { id: 'late', kind: 'eta_slip', ...common, maxSlipS: 900, ...over };
}

/** A fix of device d1 on vehicle v1 at T0 + `s` seconds, doing `kmh` (as reported by the receiver, in m/s). */
export function fixAt(s: number, kmh: number | undefined, extra: Partial<AlertPositionInput> = {}): AlertPositionInput {
  const p: AlertPositionInput = { tenantId: TENANT, deviceId: 'd1', vehicleId: 'v1', ts: at(s), lat: LAT, lon: LON, ...extra };
  if (kmh !== undefined) p.speed = kmh / 3.6;
  return p;
}

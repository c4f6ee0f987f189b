import type { AlertSubject, AlertSubjectKind } from '@fieldtrace/protocol';
import type { CompiledRule, RuleOf } from './compiled-rule.js';

export interface AlertOptions {
  /** Least event time between two `updated` changes of one alert while its value moves, seconds. */
  updateIntervalS: number;
  /** A subject with no open alert and no input for this long is forgotten (its ETA baseline too), seconds. */
  forgetAfterS: number;
  /**
   * Display name of a subject in alert messages ("Truck 12"); called only when an alert changes. `about` says
   * which id the alert is keyed by: an offline tracker is about its device even when it rides on a vehicle.
   * Undefined or absent: "Vehicle {id}" / "Device {id}" / "Job {id}".
   */
  subjectName?: (tenantId: string, subject: AlertSubject, about: AlertSubjectKind) => string | undefined;
}

export const DEFAULT_ALERT_OPTIONS: Readonly<AlertOptions> = Object.freeze({ updateIntervalS: 60, forgetAfterS: 86_400 });

export interface AlertCounters {
  inputs: number;
  /** Inputs older than the latest one already applied to the same rule and subject (no reorder buffer). */
  staleIgnored: number;
  raised: number;
  updated: number;
  reopened: number;
  acknowledged: number;
  cleared: number;
}

/** Liveness and last position of one device; one per device ever heard from, never per message. */
export class DeviceSeen {
  /** Latest time the platform heard from the device, Unix ms (receivedAt when given, else event time). */
  seenAt = Number.NEGATIVE_INFINITY;
  vehicleId: string | undefined = undefined;
  posTs = Number.NEGATIVE_INFINITY;
  lat = 0;
  lon = 0;
  /**
   * Speed of the fix being evaluated, km/h (NaN: unknown). Kept here rather than passed as an argument: a
   * timestamp or speed passed to a call V8 does not inline is boxed, an allocation per message.
   */
  speedKmh = Number.NaN;
}

/** One tenant's compiled rules, grouped by kind so each input visits only the rules it can affect. */
export class TenantAlerts {
  readonly tenantId: string;
  rules = new Map<string, CompiledRule>();
  speeding: CompiledRule<RuleOf<'speeding'>>[] = [];
  idling: CompiledRule<RuleOf<'idling'>>[] = [];
  offline: CompiledRule<RuleOf<'offline'>>[] = [];
  droneBattery: CompiledRule<RuleOf<'drone_battery'>>[] = [];
  sensorThreshold: CompiledRule<RuleOf<'sensor_threshold'>>[] = [];
  leaveArea: CompiledRule<RuleOf<'leave_area'>>[] = [];
  etaSlip: CompiledRule<RuleOf<'eta_slip'>>[] = [];
  readonly devices = new Map<string, DeviceSeen>();
  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }
}

export interface AlertState {
  readonly opts: Readonly<AlertOptions>;
  readonly updateIntervalMs: number;
  readonly forgetAfterMs: number;
  readonly tenants: Map<string, TenantAlerts>;
  readonly counters: AlertCounters;
}

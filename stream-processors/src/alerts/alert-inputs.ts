/**
 * What the adapter feeds the alert core. Plain fields taken from bus messages plus what only the adapter knows
 * (the vehicle a device rides on, the fences it is inside); a caller may reuse one input object per kind.
 * Times are Unix ms.
 */

/** Fields of every input that comes from a device message; any of them is a sign of life. */
export interface AlertDeviceInput {
  tenantId: string;
  deviceId: string;
  /** The vehicle the device is mounted on, if any: alerts about a vehicle name it, and appliesTo matches it. */
  vehicleId?: string;
  /** Event time, set on the device. */
  ts: number;
  /**
   * When ingest accepted the message. Liveness (offline rules) uses it when given: a store-and-forward backlog
   * carries old event times yet proves the device is connected now.
   */
  receivedAt?: number;
}

export interface AlertPositionInput extends AlertDeviceInput {
  lat: number;
  lon: number;
  /** m/s as reported by the receiver; absent: derived from the previous fix of the device (≥ 1 s before). */
  speed?: number;
  /** The `speedLimitKmh` of the geofence the device is inside, if it is inside one that has a limit. */
  speedLimitKmh?: number | null;
  /** Ids of the geofences the device is inside now. Absent: unknown, and leave_area rules skip this fix. */
  insideFences?: readonly string[];
}

export interface AlertSensorInput extends AlertDeviceInput {
  readings: readonly { readonly name: string; readonly value: number | boolean }[];
}

/** A heartbeat. `ignition: false` also ends idling: an engine that is off does not idle. */
export interface AlertStatusInput extends AlertDeviceInput {
  ignition?: boolean;
}

export interface AlertDroneInput extends AlertDeviceInput {
  batteryPct?: number;
}

/** From the trips core: the engine runs and the vehicle is stationary (idle) or not. Not a sign of life. */
export interface AlertIdleInput {
  tenantId: string;
  deviceId: string;
  vehicleId?: string;
  ts: number;
  idle: boolean;
}

/** An ETA published for a job (bus kind `eta`) and the job's appointment window end, if it has one. */
export interface AlertEtaInput {
  tenantId: string;
  vehicleId: string;
  jobId: string;
  deviceId?: string;
  /** The estimate's event time (EtaUpdate.basedOnTs). */
  ts: number;
  /** Predicted arrival. */
  eta: number;
  windowEnd?: number | null;
}

/** A job left the en-route states (on site, completed, cancelled...): its ETA no longer matters. */
export interface AlertJobEndedInput {
  tenantId: string;
  jobId: string;
  ts: number;
}

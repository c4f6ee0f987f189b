import type { DeviceStatus, DroneTelemetry, GpsFix, ImageDetections, ImageMetadata, SensorReading } from '@fieldtrace/protocol';

/**
 * What an input (NMEA receiver, gpsd, MAVLink autopilot, sensor bus...) hands the agent: a message without its
 * wire version and sequence number. The agent stamps `v` and the per-device `seq` at birth, when the reading enters
 * the durable queue, so sources never coordinate numbering.
 */
type Born<T> = Omit<T, 'v' | 'seq'>;

export type Reading =
  | { kind: 'fix'; body: Born<GpsFix> }
  | { kind: 'sensor'; body: Born<SensorReading> }
  | { kind: 'status'; body: Born<DeviceStatus> }
  | { kind: 'drone'; body: Born<DroneTelemetry> }
  | { kind: 'image'; body: Born<ImageMetadata> }
  | { kind: 'detections'; body: Born<ImageDetections> };

export interface Source {
  readonly name: string;
  /** Starts reading; `emit` is called once per reading, in the order the source produced them. */
  start(emit: (reading: Reading) => void): Promise<void>;
  close(): Promise<void>;
  /** Counters for progress logs and tests (lines read, rejects by reason, fixes emitted...). */
  stats(): Record<string, number>;
}

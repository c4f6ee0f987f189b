import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema, Static } from '@sinclair/typebox';
import { GpsFix, GpsFixBatch } from './messages/gps-fix.js';
import { SensorReading } from './messages/sensor.js';
import { DeviceStatus } from './messages/status.js';
import { DroneTelemetry, ImageMetadata } from './messages/drone.js';
import { ImageDetections } from './messages/inspection.js';
import type { UplinkKind } from './topics.js';

/** Why a payload was refused. Stable strings: they label metrics and dead-letter rows. */
export type RejectReason =
  | 'too-large'
  | 'unsupported-encoding'
  | 'bad-json'
  | 'unsupported-version'
  | 'schema'
  | 'acl'
  | 'unknown-device';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; detail: string };

export interface UplinkMessages {
  fix: GpsFix;
  fixes: GpsFixBatch;
  sensor: SensorReading;
  status: DeviceStatus;
  drone: DroneTelemetry;
  image: ImageMetadata;
  detections: ImageDetections;
}
/** One record as born on a device (every kind but the `fixes` batch): it carries its own `seq` and `ts`. */
export type UplinkMessage = UplinkMessages[Exclude<UplinkKind, 'fixes'>];

/** Larger payloads are refused before parsing; a fix is ~150 bytes, a full `fixes` batch under 100 KiB. */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

const OPEN_BRACE = 0x7b;

/**
 * A validator compiled once per schema and reused for every message (TypeBox's compiler emits a specialised
 * function; compiling per message would cost ~1 ms each).
 */
export class CompiledSchema<S extends TSchema> {
  readonly schema: S;
  readonly check: TypeCheck<S>;
  constructor(schema: S) {
    this.schema = schema;
    this.check = TypeCompiler.Compile(schema);
  }
  is(value: unknown): value is Static<S> {
    return this.check.Check(value);
  }
  /** The first few problems, as `path: message`, for a dead-letter reason or a 4xx body. */
  explain(value: unknown, max = 3): string {
    const out: string[] = [];
    for (const e of this.check.Errors(value)) {
      out.push(`${e.path || '/'}: ${e.message}`);
      if (out.length >= max) break;
    }
    return out.join('; ');
  }
}

const uplinkSchemas: { [K in UplinkKind]: CompiledSchema<TSchema> } = {
  fix: new CompiledSchema(GpsFix),
  fixes: new CompiledSchema(GpsFixBatch),
  sensor: new CompiledSchema(SensorReading),
  status: new CompiledSchema(DeviceStatus),
  drone: new CompiledSchema(DroneTelemetry),
  image: new CompiledSchema(ImageMetadata),
  detections: new CompiledSchema(ImageDetections),
};

/**
 * Decodes and validates one uplink payload. Never throws: a bad payload is a value, counted and dead-lettered.
 *
 * Encoding is chosen by the first byte: `{` is JSON (wire v1). Any other first byte is reserved for a compact
 * binary encoding whose first byte will carry its version; none is defined yet, so those are refused by name.
 */
export function decodeUplink<K extends UplinkKind>(kind: K, payload: Uint8Array): Decoded<UplinkMessages[K]> {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: 'too-large', detail: `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}` };
  }
  if (payload[0] !== OPEN_BRACE) {
    return { ok: false, reason: 'unsupported-encoding', detail: `first byte 0x${(payload[0] ?? 0).toString(16)} is not a known encoding` };
  }
  let value: unknown;
  try {
    value = JSON.parse(textDecoder.decode(payload));
  } catch (err) {
    return { ok: false, reason: 'bad-json', detail: (err as Error).message };
  }
  return validateUplink(kind, value);
}

export function validateUplink<K extends UplinkKind>(kind: K, value: unknown): Decoded<UplinkMessages[K]> {
  const schema = uplinkSchemas[kind];
  if (schema.is(value)) return { ok: true, value: value as UplinkMessages[K] };
  const v = (value as { v?: unknown } | null)?.v;
  if (typeof value === 'object' && value !== null && v !== 1) {
    return { ok: false, reason: 'unsupported-version', detail: `v=${JSON.stringify(v)}; this platform speaks v1` };
  }
  return { ok: false, reason: 'schema', detail: schema.explain(value) };
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

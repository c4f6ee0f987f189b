import { Type, type TSchema } from '@sinclair/typebox';
import { ID_PATTERN } from '../ids.js';

/** Wire schema version carried in every message as `v`. A new major version gets new schemas beside these. */
export const WIRE_VERSION = 1 as const;

export const Id = Type.String({ pattern: ID_PATTERN });
/** Event time: Unix epoch milliseconds, set where the data was born (the device), never on arrival. */
export const EventTime = Type.Integer({ minimum: 946684800000, maximum: 4102444800000, description: 'Unix epoch ms' });
/** Per-device monotonic sequence number, assigned at birth; (device, seq) is the idempotency key. */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const Lat = Type.Number({ minimum: -90, maximum: 90, description: 'WGS84 degrees' });
export const Lon = Type.Number({ minimum: -180, maximum: 180, description: 'WGS84 degrees' });

/** Fields every uplink message starts with. */
export function uplink<P extends Record<string, TSchema>>(props: P) {
  return Type.Object({ v: Type.Literal(WIRE_VERSION), seq: Seq, ts: EventTime, ...props }, { additionalProperties: false });
}

import { Type, type Static } from '@sinclair/typebox';
import { uplink } from './common.js';

/** Named readings taken at one instant (ignition, PTO, salt spreader rate, fuel level, engine hours...). Topic kind `sensor`. */
export const SensorReading = uplink({
  readings: Type.Array(
    Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 64 }),
        value: Type.Union([Type.Number(), Type.Boolean()]),
        unit: Type.Optional(Type.String({ maxLength: 16 })),
      },
      { additionalProperties: false },
    ),
    { minItems: 1, maxItems: 64 },
  ),
});
export type SensorReading = Static<typeof SensorReading>;

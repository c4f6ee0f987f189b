import { Type, type Static } from '@sinclair/typebox';
import { Lat, Lon, uplink } from './common.js';

const Degrees = Type.Number({ minimum: -360, maximum: 360 });

/** Position, attitude and health of a drone, relayed by its ground station. Topic kind `drone`. */
export const DroneTelemetry = uplink({
  lat: Lat,
  lon: Lon,
  altMsl: Type.Optional(Type.Number({ description: 'metres above MSL' })),
  altRel: Type.Optional(Type.Number({ description: 'metres above home' })),
  roll: Type.Optional(Degrees),
  pitch: Type.Optional(Degrees),
  yaw: Type.Optional(Degrees),
  groundSpeed: Type.Optional(Type.Number({ minimum: 0, description: 'm/s' })),
  climb: Type.Optional(Type.Number({ description: 'm/s' })),
  batteryPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  armed: Type.Optional(Type.Boolean()),
  mode: Type.Optional(Type.String({ maxLength: 32 })),
  missionSeq: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type DroneTelemetry = Static<typeof DroneTelemetry>;

/** A picture taken in flight and the pose it was taken from; the bytes travel separately. Topic kind `image`. */
export const ImageMetadata = uplink({
  imageId: Type.String({ minLength: 1, maxLength: 128 }),
  /** Where the ground station staged the bytes (object key or URL); absent until uploaded. */
  uri: Type.Optional(Type.String({ maxLength: 1024 })),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  lat: Lat,
  lon: Lon,
  altRel: Type.Optional(Type.Number({ description: 'metres above home' })),
  roll: Type.Optional(Degrees),
  pitch: Type.Optional(Degrees),
  yaw: Type.Optional(Degrees),
  gimbalPitch: Type.Optional(Degrees),
  gimbalYaw: Type.Optional(Degrees),
  cameraProfile: Type.Optional(Type.String({ maxLength: 64 })),
});
export type ImageMetadata = Static<typeof ImageMetadata>;

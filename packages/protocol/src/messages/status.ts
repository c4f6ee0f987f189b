import { Type, type Static } from '@sinclair/typebox';
import { uplink } from './common.js';

/** Heartbeat and health of the edge agent itself. Topic kind `status`. */
export const DeviceStatus = uplink({
  firmware: Type.Optional(Type.String({ maxLength: 64 })),
  uptimeS: Type.Optional(Type.Integer({ minimum: 0 })),
  batteryV: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  rssiDbm: Type.Optional(Type.Number({ minimum: -200, maximum: 0 })),
  /** Records waiting in the store-and-forward queue when this was sent. */
  backlog: Type.Optional(Type.Integer({ minimum: 0 })),
  ignition: Type.Optional(Type.Boolean()),
  /** The device profile in force, as `{profile}@{version}` (e.g. `truck-default@2`). */
  profile: Type.Optional(Type.String({ maxLength: 64 })),
  /** Why the last profile pushed to the device was refused (it kept the one above). */
  profileRejected: Type.Optional(Type.String({ maxLength: 200 })),
});
export type DeviceStatus = Static<typeof DeviceStatus>;

import { Type, type Static } from '@sinclair/typebox';
import { DeviceKind } from '@fieldtrace/protocol';
import { GpsSettings } from './gps-settings.js';
import { CameraProfile, QueueSettings, ReconnectSettings, SensorSettings, UplinkSettings } from './device-settings.js';

const strict = { additionalProperties: false } as const;

/** Same as the file name without `.json`, and what `devices.profile` holds. */
export const PROFILE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
/** Semantic Versioning 2.0.0 (semver.org), without build metadata. */
export const SEMVER_PATTERN = '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$';

/** A profile's own revision: a positive integer, or a semver string. Bump it on every change. */
export const ProfileVersion = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: SEMVER_PATTERN })]);
export type ProfileVersion = Static<typeof ProfileVersion>;

export const SurveySettings = Type.Object(
  {
    pattern: Type.Literal('lawnmower'),
    /** [lowest, highest] flight height above ground, metres. */
    altitudeAglM: Type.Tuple([Type.Number({ minimum: 1, maximum: 500 }), Type.Number({ minimum: 1, maximum: 500 })]),
    speedMps: Type.Number({ exclusiveMinimum: 0, maximum: 50 }),
    /** Overlap between neighbouring lanes, fraction of the across-track footprint. */
    sidelap: Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
    imageIntervalMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
    areaM: Type.Object({ width: Type.Number({ exclusiveMinimum: 0 }), height: Type.Number({ exclusiveMinimum: 0 }) }, strict),
  },
  strict,
);

/**
 * What a device sends and how often, versioned and delivered both as a file in `firmware-configs/` and, at run
 * time, as the retained message on the device's `down/config` topic. Unknown keys are errors: a typo in a remote
 * configuration must be refused, not silently ignored.
 */
export const DeviceProfile = Type.Object(
  {
    profile: Type.String({ pattern: PROFILE_ID_PATTERN }),
    version: ProfileVersion,
    deviceKind: DeviceKind,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    gps: Type.Optional(GpsSettings),
    status: Type.Object({ intervalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000 }) }, strict),
    queue: QueueSettings,
    uplink: UplinkSettings,
    reconnect: ReconnectSettings,
    sensors: Type.Optional(Type.Array(SensorSettings, { maxItems: 64 })),
    /** Drone ground stations: MAVLink telemetry relayed to the platform. */
    drone: Type.Optional(Type.Object({ telemetryIntervalMs: Type.Integer({ minimum: 50, maximum: 600_000 }) }, strict)),
    survey: Type.Optional(SurveySettings),
    camera: Type.Optional(CameraProfile),
  },
  strict,
);
export type DeviceProfile = Static<typeof DeviceProfile>;

import { Type, type Static } from '@sinclair/typebox';
import { MAX_FIXES_PER_MESSAGE } from '@fieldtrace/protocol';

const strict = { additionalProperties: false } as const;

/**
 * The durable store-and-forward queue. `fsync` trades flash wear against what a power cut can lose:
 * `every-record` loses nothing acknowledged, `interval` loses at most `intervalMs`, `os` leaves it to the kernel.
 */
export const FsyncPolicy = Type.Union([
  Type.Object({ policy: Type.Literal('every-record') }, strict),
  Type.Object({ policy: Type.Literal('interval'), intervalMs: Type.Integer({ minimum: 10, maximum: 60_000 }) }, strict),
  Type.Object({ policy: Type.Literal('os') }, strict),
]);
export const QueueSettings = Type.Object(
  {
    maxBytes: Type.Integer({ minimum: 64 * 1024, maximum: 64 * 1024 ** 3 }),
    fsync: FsyncPolicy,
    /** `oldest-first` keeps each device's stream in birth order; `newest-first` shows the live position first after an outage. */
    drainOrder: Type.Union([Type.Literal('oldest-first'), Type.Literal('newest-first')]),
    /** Records per second sent from the backlog after an outage, so a reconnecting fleet does not flood ingest. */
    backlogRatePerS: Type.Integer({ minimum: 1, maximum: 100_000 }),
    overflow: Type.Optional(Type.Union([Type.Literal('drop-oldest'), Type.Literal('refuse-new')], { default: 'drop-oldest' })),
  },
  strict,
);
export type QueueSettings = Static<typeof QueueSettings>;

const SensorInput = Type.Union([
  /** A digital line (ignition sense, PTO, plough up/down) through the GPIO character device. */
  Type.Object({ type: Type.Literal('gpio'), chip: Type.String({ pattern: '^/dev/gpiochip[0-9]+$' }), line: Type.Integer({ minimum: 0, maximum: 511 }), activeLow: Type.Boolean() }, strict),
  /** An analog channel: value = volts × scale + offset (e.g. a spreader controller's 0–10 V rate output). */
  Type.Object({ type: Type.Literal('analog'), channel: Type.Integer({ minimum: 0, maximum: 63 }), scale: Type.Number(), offset: Type.Number() }, strict),
  /** A J1939 parameter on the vehicle CAN bus. */
  Type.Object({ type: Type.Literal('can'), interface: Type.String({ pattern: '^[a-z0-9]{1,15}$' }), pgn: Type.Integer({ minimum: 0, maximum: 0x3ffff }), spn: Type.Integer({ minimum: 0, maximum: 0x7ffff }) }, strict),
]);

export const SensorSettings = Type.Object(
  {
    /** The `name` its readings carry in the protocol's SensorReading. */
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_.-]*$' }),
    kind: Type.Union([Type.Literal('ignition'), Type.Literal('spreader-rate'), Type.Literal('digital'), Type.Literal('analog')]),
    unit: Type.Optional(Type.String({ maxLength: 16 })),
    input: SensorInput,
    sampleIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
    /** Report as soon as the value changes by more than `deadband` (digital: any change), not only every sample. */
    reportOnChange: Type.Boolean(),
    deadband: Type.Optional(Type.Number({ minimum: 0 })),
  },
  strict,
);
export type SensorSettings = Static<typeof SensorSettings>;

/** Pinhole camera in pixels as OpenCV uses it, with Brown–Conrady distortion. */
export const CameraProfile = Type.Object(
  {
    profile: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
    model: Type.String({ maxLength: 200 }),
    shutter: Type.Union([Type.Literal('mechanical'), Type.Literal('rolling')]),
    mount: Type.Object({ gimbalPitchDeg: Type.Number({ minimum: -90, maximum: 30 }) }, strict),
    image: Type.Object({ widthPx: Type.Integer({ minimum: 1, maximum: 100_000 }), heightPx: Type.Integer({ minimum: 1, maximum: 100_000 }) }, strict),
    sensor: Type.Object(
      { widthMm: Type.Number({ exclusiveMinimum: 0, maximum: 100 }), heightMm: Type.Number({ exclusiveMinimum: 0, maximum: 100 }), pixelPitchUm: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) },
      strict,
    ),
    focalLengthMm: Type.Number({ exclusiveMinimum: 0, maximum: 2000 }),
    intrinsics: Type.Object(
      {
        model: Type.Literal('opencv-brown-conrady'),
        fx: Type.Number({ exclusiveMinimum: 0 }),
        fy: Type.Number({ exclusiveMinimum: 0 }),
        cx: Type.Number({ minimum: 0 }),
        cy: Type.Number({ minimum: 0 }),
        skew: Type.Number(),
        distortion: Type.Object({ k1: Type.Number(), k2: Type.Number(), k3: Type.Number(), p1: Type.Number(), p2: Type.Number() }, strict),
        /** false: nominal values from the datasheet, not a per-airframe calibration. */
        calibrated: Type.Boolean(),
      },
      strict,
    ),
  },
  strict,
);
export type CameraProfile = Static<typeof CameraProfile>;

export const UplinkSettings = Type.Object(
  {
    qos: Type.Union([Type.Literal(0), Type.Literal(1)]),
    maxInFlight: Type.Integer({ minimum: 1, maximum: 65535 }),
    encoding: Type.Literal('json'),
    topicKinds: Type.Array(Type.Union([Type.Literal('fix'), Type.Literal('sensor'), Type.Literal('status'), Type.Literal('drone'), Type.Literal('image'), Type.Literal('detections')]), { minItems: 1, uniqueItems: true }),
    /** Consecutive fixes packed into one `fixes` message (protocol MAX_FIXES_PER_MESSAGE); 1 = every fix alone. */
    batchMaxFixes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FIXES_PER_MESSAGE })),
    /** Hold a live fix up to this long (ms) for more to join its batch; 0 = live fixes go out at once. */
    batchMaxAgeMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  strict,
);

export const ReconnectSettings = Type.Object(
  { minMs: Type.Integer({ minimum: 10, maximum: 600_000 }), maxMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }), jitter: Type.Number({ minimum: 0, maximum: 1 }) },
  strict,
);

import { Type, type Static } from '@sinclair/typebox';
import { FixQuality } from '@fieldtrace/protocol';

const strict = { additionalProperties: false } as const;

/** Rates a serial GNSS receiver or telemetry radio is sold with; anything else is a typo. */
export const BAUD_RATES = [4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;
export const BaudRate = Type.Union(BAUD_RATES.map((b) => Type.Literal(b)));

const DevicePath = Type.String({ minLength: 1, maxLength: 256, pattern: '^/' });

export const NmeaSerialSourceSettings = Type.Object(
  { type: Type.Literal('nmea-serial'), path: DevicePath, baud: BaudRate },
  strict,
);
/** Replays a captured log, for bench rigs and demos. `rateHz` 0 = as fast as it reads. */
export const NmeaFileSourceSettings = Type.Object(
  { type: Type.Literal('nmea-file'), path: Type.String({ minLength: 1, maxLength: 1024 }), rateHz: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })) },
  strict,
);
export const GpsdSourceSettings = Type.Object(
  {
    type: Type.Literal('gpsd'),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253, default: '127.0.0.1' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 2947 })),
    device: Type.Optional(DevicePath),
  },
  strict,
);
/** Position from the autopilot's GLOBAL_POSITION_INT / GPS_RAW_INT. `endpoint`: `udp://host:port`, `tcp://host:port` or `serial:///dev/...`. */
export const MavlinkSourceSettings = Type.Object(
  {
    type: Type.Literal('mavlink'),
    endpoint: Type.String({ pattern: '^(udp|tcp)://[^/]+:[0-9]{1,5}$|^serial:///.+$', maxLength: 256 }),
    baud: Type.Optional(BaudRate),
  },
  strict,
);
export const GpsSourceSettings = Type.Union([NmeaSerialSourceSettings, NmeaFileSourceSettings, GpsdSourceSettings, MavlinkSourceSettings]);
export type GpsSourceSettings = Static<typeof GpsSourceSettings>;
export const GPS_SOURCE_TYPES = ['nmea-serial', 'nmea-file', 'gpsd', 'mavlink'] as const;

/**
 * Adaptive reporting: a fix is sent when the vehicle has moved `distanceM`, turned `headingDeg`, or `maxIntervalS`
 * has passed while moving; a parked vehicle sends one fix every `stationaryHeartbeatS`. Corners stay sharp on the
 * map while a truck idling at a depot costs almost nothing.
 */
export const AdaptiveReporting = Type.Object(
  {
    distanceM: Type.Number({ minimum: 0, maximum: 10_000 }),
    headingDeg: Type.Number({ minimum: 0, maximum: 180 }),
    maxIntervalS: Type.Number({ exclusiveMinimum: 0, maximum: 3600 }),
    stationaryHeartbeatS: Type.Number({ exclusiveMinimum: 0, maximum: 86_400 }),
    /** Below this ground speed the vehicle counts as stationary (GNSS speed noise is ~0.2–0.5 m/s). */
    stationarySpeedMps: Type.Optional(Type.Number({ minimum: 0, maximum: 5, default: 0.5 })),
  },
  strict,
);
export type AdaptiveReporting = Static<typeof AdaptiveReporting>;

export const GpsSettings = Type.Object(
  {
    source: GpsSourceSettings,
    /** How often the receiver is asked for (or delivers) a fix. */
    fixIntervalMs: Type.Integer({ minimum: 50, maximum: 600_000 }),
    /** Fixes below this quality are not reported (`2d` accepts 2D and better). */
    minFixQuality: Type.Optional(FixQuality),
    adaptive: Type.Optional(AdaptiveReporting),
  },
  strict,
);
export type GpsSettings = Static<typeof GpsSettings>;

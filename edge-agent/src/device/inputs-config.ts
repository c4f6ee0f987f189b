import { Type, type Static } from '@sinclair/typebox';

/** Which inputs a real device reads (EDGE_MODE=device). Names are the environment variables. */
export const InputsConfig = Type.Object({
  /** Where fixes come from: an NMEA receiver (serial, a capture file or stdin), gpsd, or none (e.g. MAVLink only). */
  GPS_SOURCE: Type.Union(
    [Type.Literal('none'), Type.Literal('nmea-serial'), Type.Literal('nmea-file'), Type.Literal('nmea-stdin'), Type.Literal('gpsd')],
    { default: 'gpsd' },
  ),
  NMEA_SERIAL_PATH: Type.Optional(Type.String({ minLength: 1 })),
  /** NMEA 0183 says 4800; most modern receivers ship at 9600 or 38400. */
  NMEA_BAUD: Type.Integer({ minimum: 1200, maximum: 921600, default: 9600 }),
  NMEA_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Capture replay pace: 0 = as fast as possible, 1 = as recorded, N = N× faster. */
  NMEA_REPLAY_SPEED: Type.Number({ minimum: 0, maximum: 10000, default: 1 }),
  GPSD_HOST: Type.String({ default: '127.0.0.1' }),
  GPSD_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 2947 }),
  GPSD_DEVICE: Type.Optional(Type.String({ minLength: 1 })),
  /** Read a drone autopilot over MAVLink too (ground stations); its settings are the MAVLINK_* variables. */
  MAVLINK_ENABLED: Type.Boolean({ default: false }),
  /** Sensor lines on stdin (`name=value[unit],... [unix-ms]`); not with GPS_SOURCE=nmea-stdin. */
  SENSOR_STDIN: Type.Boolean({ default: false }),
  /** Folder the camera writes pictures to; each new one is uploaded (resumably) to IMAGERY_API_URL with its pose. */
  IMAGERY_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Upload progress per picture; keep it on the queue's disk so restarts resume. Default: QUEUE_DIR/imagery. */
  IMAGERY_STATE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  IMAGERY_API_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** A device-provisioning API key of the tenant. */
  IMAGERY_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** `cloud`: the platform looks at the uploaded pictures. `edge`: this station runs the damage model on each picture and sends its located detections. */
  IMAGERY_INFERENCE: Type.Union([Type.Literal('cloud'), Type.Literal('edge')], { default: 'cloud' }),
  /** `full`: upload every picture. `findings`: send only poses (and, with edge inference, detections with thumbnails) — for a poor link. */
  IMAGERY_UPLOAD: Type.Union([Type.Literal('full'), Type.Literal('findings')], { default: 'full' }),
  /** Edge inference: the ONNX model (the shipped demo model when absent) and its sidecar JSON (`<model>.json`). */
  INFERENCE_MODEL: Type.Optional(Type.String({ minLength: 1 })),
  INFERENCE_MODEL_CONFIG: Type.Optional(Type.String({ minLength: 1 })),
  INFERENCE_THREADS: Type.Integer({ minimum: 0, maximum: 256, default: 0 }),
  /** Roof plane height above the take-off point, metres (the station does not know the site's roof record). */
  INFERENCE_ROOF_HEIGHT_M: Type.Number({ minimum: 0, maximum: 300, default: 4 }),
  /** Device profiles holding camera intrinsics; the shipped firmware-configs/ when absent. */
  CAMERA_PROFILE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** A simulated spreader/OBD source at 1 Hz, for bench setups without the hardware. */
  SENSOR_SIM: Type.Boolean({ default: false }),
});
export type InputsConfig = Static<typeof InputsConfig>;

import { createReadStream } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigInvalid, type Clock } from '@fieldtrace/service-kit';
import type { Source } from '../sources/source.js';
import { buildNmeaSource, type ReplayPace } from '../nmea/index.js';
import { buildGpsdSource } from '../gpsd/index.js';
import type { MavlinkConfig } from '../mavlink/config-schema.js';
import { createLineSensorSource, createSpreaderSimSource } from '../sensors/index.js';
import { createPoseHistory, type PoseHistory } from '../imagery/pose-history.js';
import { join } from 'node:path';
import type { InputsConfig } from './inputs-config.js';

/**
 * Turns the device's input settings into sources; every missing setting is reported in one error. MAVLink and the
 * imagery watcher are loaded only when configured (node-mavlink's tables alone add ~10 MB resident).
 */
export async function buildSources(
  inputs: InputsConfig,
  mavlink: MavlinkConfig,
  deps: { clock: Clock; logger: Logger },
  device: { tenantId: string; deviceId: string; queueDir: string } = { tenantId: '', deviceId: '', queueDir: '.' },
): Promise<Source[]> {
  const problems: string[] = [];
  const sources: Source[] = [];
  // Pictures without EXIF GPS take their pose from the autopilot's camera events and telemetry around their time.
  const poses = createPoseHistory();
  const pace: ReplayPace =
    inputs.NMEA_REPLAY_SPEED === 0 ? { mode: 'fast' } : inputs.NMEA_REPLAY_SPEED === 1 ? { mode: 'real-time' } : { mode: 'accelerated', factor: inputs.NMEA_REPLAY_SPEED };
  switch (inputs.GPS_SOURCE) {
    case 'nmea-serial':
      if (!inputs.NMEA_SERIAL_PATH) problems.push('NMEA_SERIAL_PATH: required when GPS_SOURCE=nmea-serial');
      else sources.push(buildNmeaSource({ input: { kind: 'serial', path: inputs.NMEA_SERIAL_PATH, baudRate: inputs.NMEA_BAUD } }, deps));
      break;
    case 'nmea-file': {
      const file = inputs.NMEA_FILE;
      if (!file) problems.push('NMEA_FILE: required when GPS_SOURCE=nmea-file');
      else sources.push(buildNmeaSource({ input: { kind: 'stream', open: () => createReadStream(file), pace } }, deps));
      break;
    }
    case 'nmea-stdin':
      if (inputs.SENSOR_STDIN) problems.push('SENSOR_STDIN: stdin already carries NMEA (GPS_SOURCE=nmea-stdin)');
      sources.push(buildNmeaSource({ input: { kind: 'stream', open: () => process.stdin, pace } }, deps));
      break;
    case 'gpsd':
      sources.push(buildGpsdSource({ host: inputs.GPSD_HOST, port: inputs.GPSD_PORT, ...(inputs.GPSD_DEVICE ? { device: inputs.GPSD_DEVICE } : {}) }, { logger: deps.logger }));
      break;
    case 'none':
      break;
  }
  if (inputs.MAVLINK_ENABLED) {
    try {
      const { createMavlinkSource, mavlinkSourceConfig } = await import('../mavlink/index.js');
      sources.push(recordingPoses(createMavlinkSource(mavlinkSourceConfig(mavlink), deps), poses));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (inputs.IMAGERY_DIR) {
    if (!inputs.IMAGERY_API_URL) problems.push('IMAGERY_API_URL: required with IMAGERY_DIR');
    if (!inputs.IMAGERY_API_KEY) problems.push('IMAGERY_API_KEY: required with IMAGERY_DIR');
    if (inputs.IMAGERY_API_URL && inputs.IMAGERY_API_KEY) {
      const { buildImageryWatcher } = await import('../imagery/imagery-watcher.js');
      // onnxruntime and the model are loaded only on a station that runs them.
      const inference = inputs.IMAGERY_INFERENCE === 'edge' ? await edgeInferenceFrom(inputs) : undefined;
      sources.push(buildImageryWatcher({
        dir: inputs.IMAGERY_DIR,
        stateDir: inputs.IMAGERY_STATE_DIR ?? join(device.queueDir, 'imagery'),
        apiBaseUrl: inputs.IMAGERY_API_URL,
        apiKey: inputs.IMAGERY_API_KEY,
        tenantId: device.tenantId,
        deviceId: device.deviceId,
        upload: inputs.IMAGERY_UPLOAD,
      }, { ...deps, poseAt: poses.poseAt, ...(inference ? { inference } : {}) }));
    }
  }
  if (inputs.SENSOR_STDIN) sources.push(createLineSensorSource(process.stdin, deps.clock));
  if (inputs.SENSOR_SIM) sources.push(createSpreaderSimSource(deps.clock));
  if (problems.length > 0) throw ConfigInvalid([problems]);
  if (sources.length === 0) throw ConfigInvalid([['GPS_SOURCE=none and no other input enabled: the agent would have nothing to send']]);
  return sources;
}

async function edgeInferenceFrom(inputs: InputsConfig) {
  const { createEdgeInference } = await import('../imagery/edge-inference.js');
  const { DEMO_MODEL_PATH, SHIPPED_PROFILE_DIR } = await import('@fieldtrace/inspection');
  return createEdgeInference({
    modelPath: inputs.INFERENCE_MODEL ?? DEMO_MODEL_PATH,
    modelConfigPath: inputs.INFERENCE_MODEL_CONFIG,
    threads: inputs.INFERENCE_THREADS,
    cameraProfileDir: inputs.CAMERA_PROFILE_DIR ?? SHIPPED_PROFILE_DIR,
    roofHeightM: inputs.INFERENCE_ROOF_HEIGHT_M,
    thumbnails: { size: 128, max: 3 },
  });
}

/** Passes a source's readings through unchanged while remembering the poses the imagery watcher may need. */
function recordingPoses(inner: Source, poses: PoseHistory): Source {
  return {
    name: inner.name,
    start: (emit) => inner.start((r) => {
      poses.record(r);
      emit(r);
    }),
    close: () => inner.close(),
    stats: () => inner.stats(),
  };
}

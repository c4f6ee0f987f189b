import type { Bus, Clock, Logger } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import { DEMO_MODEL_PATH, SHIPPED_PROFILE_DIR } from '@fieldtrace/inspection';
import type { ProcessorsConfig } from '../config.js';
import { buildInspectionWorker, type InspectionWorker } from './inspection-worker.js';

type InspectionConfig = Pick<ProcessorsConfig,
  'INSPECTION_ENABLED' | 'INSPECTION_MODEL' | 'INSPECTION_MODEL_CONFIG' | 'INSPECTION_THREADS' | 'IMAGE_DIR' | 'CAMERA_PROFILE_DIR'
  | 'INSPECTION_ROOF_HEIGHT_M' | 'INSPECTION_POLL_MS' | 'INSPECTION_STALE_MS'>;

/** The inspection worker as configured, or null when INSPECTION_ENABLED is false. */
export function inspectionWorkerFromConfig(
  config: InspectionConfig, deps: { db: Db; bus: Bus; logger: Logger; clock: Clock },
): InspectionWorker | null {
  if (!config.INSPECTION_ENABLED) return null;
  if (!config.IMAGE_DIR) {
    deps.logger.warn('IMAGE_DIR is not set: inspections use only the results ground stations computed themselves');
  }
  return buildInspectionWorker({
    modelPath: config.INSPECTION_MODEL ?? DEMO_MODEL_PATH,
    modelConfigPath: config.INSPECTION_MODEL_CONFIG,
    threads: config.INSPECTION_THREADS,
    imageDir: config.IMAGE_DIR,
    cameraProfileDir: config.CAMERA_PROFILE_DIR ?? SHIPPED_PROFILE_DIR,
    defaultRoofHeightM: config.INSPECTION_ROOF_HEIGHT_M,
    pollMs: config.INSPECTION_POLL_MS,
    staleMs: config.INSPECTION_STALE_MS,
    cropSizePx: 320,
  }, deps);
}

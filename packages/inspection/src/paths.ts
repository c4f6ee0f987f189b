import { fileURLToPath } from 'node:url';

/** The demo model this package builds and ships (scripts/train-demo-model): a stand-in until a tenant brings its own. */
export const DEMO_MODEL_PATH = fileURLToPath(new URL('../models/roof-damage-demo.onnx', import.meta.url));
/** The device profiles shipped with the repository; camera intrinsics are read from their `camera` sections. */
export const SHIPPED_PROFILE_DIR = fileURLToPath(new URL('../../../firmware-configs/', import.meta.url));
/** The camera a picture without a `cameraProfile` is assumed to come from. */
export const DEFAULT_CAMERA_PROFILE = 'ground-station-default';

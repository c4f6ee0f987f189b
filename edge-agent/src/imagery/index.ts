export { buildImageryWatcher, MAX_CHUNK_BYTES, type ImageryWatcher, type ImageryWatcherConfig, type ImageryWatcherDeps } from './imagery-watcher.js';
export { createPoseHistory, type PoseHistory } from './pose-history.js';
export { readEmbeddedPose, mergePose, type ImagePose, type PoseLookup } from './image-pose.js';
export { IMAGE_EXTENSIONS } from './folder-scanner.js';

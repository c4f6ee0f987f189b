export * from './types.js';
export * from './paths.js';
export { intrinsicsFromProfile, scaleIntrinsics, type CameraProfile } from './camera/intrinsics.js';
export { pixelToGround, groundToPixel, gsdAt, georeference } from './camera/georef.js';
export { clusterFindings, type ClusterOptions } from './findings/cluster.js';
export { isOutsideRoof } from './findings/roof.js';
export { severityOf } from './findings/severity.js';
export { createRawImage, isRawImage, fillRect, type RawImage } from './imaging/raw-image.js';
export { planTiles, planPatches, type Tile } from './imaging/tiles.js';
export { loadModelConfigFile, parseModelConfigFile, resolveModelConfig, ModelConfigFile, type ModelConfig } from './model/model-config.js';
export { OnnxInvalid, ModelConfigInvalid, ModelUnsupported, ImageDecodeFailed } from './model/errors.js';
export { buildYolov8Shape, type Yolov8Shape, type Yolov8ShapeOptions } from './model/yolov8n-shape.js';
export { GraphBuilder, attr, encodeModel, type ModelSpec, type AttrValue } from './onnx/graph-builder.js';
export { readOnnxHeader, readOnnxHeaderFile, ultralyticsMetadata } from './onnx/metadata.js';
export { decodeImage, encodeJpeg, readImageSize, resizeRaw } from './imaging/decode.js';
export { loadDetector, type Detector, type DetectResult, type DetectStats, type LoadDetectorOptions } from './model/detector.js';
export * from './report/index.js';
export { annotatedCrop, type CropOptions } from './report/crops.js';
export * from './pipeline/camera-profiles.js';
export * from './pipeline/inspect-image.js';
export {
  makeRoofScene, renderView, roofOutlineLonLat, damageLonLat, type RoofScene, type SceneDamage, type MakeRoofSceneOptions, type DamageKind,
} from './synthetic/scene.js';
export * from './demo/synthetic-flight.js';

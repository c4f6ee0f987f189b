export { buildPlatform, type Platform, type PlatformEndpoints } from './platform.js';
export { PlatformConfig } from './config.js';

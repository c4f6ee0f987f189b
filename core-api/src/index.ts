export { buildApi, type ApiConfig, type CoreApi, type CoreApiDeps } from './app.js';
export { CoreApiConfigSchema, type CoreApiConfig } from './config.js';
export { createLiveFanout, type LiveFanout, type LiveSocket, type FanoutOptions, type LiveFanoutStats } from './live/fanout.js';
export { sha256Hex, newApiKey } from './http/tokens.js';

export { buildIngest, type Ingest, type IngestDeps, type IngestEndpoints } from './ingest.js';
export { IngestConfig } from './config.js';
export { IngestMetrics } from './metrics.js';

export * from './backoff.js';
export * from './gpsd-messages.js';
export * from './gpsd-source.js';
export * from './line-splitter.js';
export * from './tpv-to-fix.js';

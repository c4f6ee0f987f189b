export * from './errors.js';
export * from './config.js';
export * from './logger.js';
export * from './clock.js';
export * from './shutdown.js';
export * from './bus.js';
export * from './mqtt-bus.js';

export * from './fake-clock.js';
export * from './wait.js';
export * from './services.js';
export * from './mqtt-device.js';
export * from './fixtures.js';
export * from './random.js';
export * from './zip.js';

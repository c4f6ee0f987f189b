export * from './speed-profile.js';
export * from './planned-route.js';
export * from './travel-time.js';
export * from './matrix-source.js';
export * from './vehicle-motion.js';

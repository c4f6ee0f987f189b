export { Samples, median, fmt } from './stats.js';
export { startPlatformProcess, freePort, scrapeCounter } from './platform-process.js';

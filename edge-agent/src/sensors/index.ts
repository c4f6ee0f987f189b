export { parseSensorLine, type LineReject } from './line-protocol.js';
export { createLineSensorSource } from './line-source.js';
export { createSpreaderSimSource, type SpreaderSimOptions } from './spreader-sim.js';

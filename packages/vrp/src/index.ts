// Filled in as the modules land: src/vroom (API, validation, feasibility, remote) and src/solver (embedded solver).
export {};
export * from './vroom/schema.js';
export * from './vroom/validate.js';
export * from './vroom/locations.js';
export * from './vroom/feasibility.js';
export * from './vroom/remote.js';
export * from './worker/solve-in-worker.js';
export * from './solver/solve.js';
export type { ObjectiveKind } from './solver/solution.js';
export type { MatricesByProfile } from './solver/model.js';
export * from './solver/solomon.js';

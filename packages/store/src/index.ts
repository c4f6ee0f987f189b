export * from './db.js';
export * from './open.js';
export * from './migrate.js';
export { openPostgres } from './postgres-db.js';
export { openPgliteInThread } from './pglite-db.js';
export { openPgliteWorker } from './pglite-rpc.js';
export * from './speed-profiles.js';
export * from './plans.js';

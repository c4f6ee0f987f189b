import type { Bus, Clock } from '@fieldtrace/service-kit';
import type { Db } from '@fieldtrace/store';
import type { EtaStore } from '../live/eta-store.js';

/** What every bounded-context plugin receives as its options (besides Fastify's `prefix`). */
export type RouteDeps = {
  db: Db;
  bus: Bus;
  clock: Clock;
  etas: EtaStore;
};

import { OPEN_JOB_STATUSES, type EtaUpdate, type JobStatusChange } from '@fieldtrace/protocol';

/** The latest ETA per job, per tenant, as heard on the bus. Memory only: processors republish on every fix. */
export interface EtaStore {
  put(eta: EtaUpdate): void;
  /** A job that is no longer open has no ETA to show. */
  onJobStatus(change: JobStatusChange): void;
  list(tenantId: string): EtaUpdate[];
}

const open: ReadonlySet<string> = new Set(OPEN_JOB_STATUSES);

/** `maxPerTenant` bounds memory if jobs are never closed: the oldest estimates are dropped first. */
export function createEtaStore(maxPerTenant = 10_000): EtaStore {
  const byTenant = new Map<string, Map<string, EtaUpdate>>();
  return {
    put(eta) {
      let jobs = byTenant.get(eta.tenantId);
      if (!jobs) byTenant.set(eta.tenantId, (jobs = new Map()));
      const previous = jobs.get(eta.jobId);
      // Estimates can arrive out of order from a replaying processor; keep the one based on the newest fix.
      if (previous && previous.basedOnTs > eta.basedOnTs) return;
      jobs.delete(eta.jobId); // re-insert so Map order is least recently updated first
      jobs.set(eta.jobId, eta);
      if (jobs.size > maxPerTenant) {
        const oldest = jobs.keys().next();
        if (!oldest.done) jobs.delete(oldest.value);
      }
    },
    onJobStatus(change) {
      if (!open.has(change.to)) byTenant.get(change.tenantId)?.delete(change.jobId);
    },
    list(tenantId) {
      const jobs = byTenant.get(tenantId);
      return jobs ? [...jobs.values()] : [];
    },
  };
}

import type { TenantDirectory } from '../fleet/fleet-directory.js';
import type { CompiledFence, FenceDef } from '../geofence/compiled-fence.js';

/** The index id of a job's fence (not an API id: events name the site's fence, see stepGeofence). */
export const jobFenceId = (jobId: string) => `job-${jobId}`;

/**
 * Each assigned, unfinished job gets its own copy of its site's fence, enterable only by the job's vehicle and only
 * from `marginMs` before its appointment window to `marginMs` after it (any time when the job has no window).
 * Dwell settings are the site fence's: arriving at a job and arriving at its site mean the same stay.
 */
export function jobFenceDefs(directory: TenantDirectory, siteFence: (fenceId: string) => CompiledFence | undefined, marginMs: number): FenceDef[] {
  const defs: FenceDef[] = [];
  for (const job of directory.allJobs()) {
    const site = directory.site(job.siteId);
    const fence = site?.geofenceId ? siteFence(site.geofenceId) : undefined;
    if (!fence) continue;
    defs.push({
      id: jobFenceId(job.id),
      siteId: job.siteId,
      shape: fence.shape,
      kind: 'job',
      dwellInS: fence.dwellInS,
      dwellOutS: fence.dwellOutS,
      vehicleId: job.vehicleId,
      jobId: job.id,
      activeFrom: job.windowStart === null ? null : job.windowStart - marginMs,
      activeTo: job.windowEnd === null || job.windowEnd === undefined ? null : job.windowEnd + marginMs,
    });
  }
  return defs;
}

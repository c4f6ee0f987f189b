import type { EntityChanged } from '@fieldtrace/protocol';
import type { Db } from '@fieldtrace/store';
import type { Logger } from '@fieldtrace/service-kit';
import type { FleetDirectory, SiteInfo } from '../fleet/fleet-directory.js';
import { fenceOf, fenceShape, removeFence, replaceFences, upsertFence, type GeofenceState } from '../geofence/geofence-core.js';
import { arrivalRadiusM } from '../eta/arrival-radius.js';
import { loadDevices, loadFences, loadJobs, loadSites, loadTenantIds, loadVehicles, type SiteRow } from './fleet-loader.js';
import { jobFenceDefs } from '../jobs/job-fences.js';
import type { FenceKind } from '../geofence/compiled-fence.js';

/**
 * Keeps the cores' caches (fences, devices, sites, jobs) in line with the database: everything at start, then
 * what an `EntityChanged` names. Reloads run one at a time in arrival order, so an older read can never be
 * applied over a newer one.
 */
export interface FleetSync {
  /** Loads every tenant; rejects if the database cannot be read. */
  loadAll(): Promise<void>;
  /** Queues the reload an EntityChanged calls for. */
  onChanged(change: EntityChanged): Promise<void>;
  /** Queues a full load of a tenant first seen on the bus (created after start). */
  discoverTenant(tenantId: string): void;
  /** Resolves when every queued reload has run. */
  settled(): Promise<void>;
  readonly counters: { reloads: number; reloadErrors: number };
}

export interface FleetSyncOptions {
  /** A job's fence opens this long before its appointment window and closes this long after it, ms. */
  jobFenceMarginMs: number;
  /** Called after a tenant's jobs were reloaded (the job automation forgets finished jobs). */
  onJobsReloaded?: (tenantId: string) => void;
}

const DRAWN_KINDS: readonly FenceKind[] = ['site', 'depot', 'zone'];

export function createFleetSync(db: Db, logger: Logger, directory: FleetDirectory, geo: GeofenceState, opts: FleetSyncOptions): FleetSync {
  let chain: Promise<void> = Promise.resolve();
  const counters = { reloads: 0, reloadErrors: 0 };
  const known = new Set<string>();

  /** Runs the task after every earlier one; the returned promise rejects with its error, the chain never does. */
  function run(what: Record<string, unknown>, task: () => Promise<void>): Promise<void> {
    const done = chain.then(task);
    chain = done.then(
      () => {
        counters.reloads++;
        logger.debug(what, 'fleet cache reloaded');
      },
      (err: unknown) => {
        counters.reloadErrors++;
        logger.error({ err, ...what }, 'fleet cache reload failed; cache kept as it was');
      },
    );
    return done;
  }

  /** As run(), for reloads nobody waits on: failures are logged and counted only. */
  function enqueue(what: Record<string, unknown>, task: () => Promise<void>): Promise<void> {
    run(what, task).catch(() => undefined);
    return chain;
  }

  function applySites(tenantId: string, rows: readonly SiteRow[]): void {
    const sites: SiteInfo[] = [];
    for (const r of rows) {
      const shape = r.geofenceId === null ? undefined : fenceShape(geo, tenantId, r.geofenceId);
      sites.push({ id: r.id, lat: r.lat, lon: r.lon, geofenceId: r.geofenceId, arrivalRadiusM: arrivalRadiusM(r.lat, r.lon, shape) });
      // A fence created with its site may carry the link only on the site's side.
      const fence = r.geofenceId === null ? undefined : fenceOf(geo, tenantId, r.geofenceId);
      if (fence && fence.siteId === null) fence.siteId = r.id;
    }
    directory.ensure(tenantId).replaceSites(sites);
  }

  /** Job fences derive from jobs, sites and site fences: rebuilt whenever any of them changes. */
  function rebuildJobFences(tenantId: string): void {
    const dir = directory.ensure(tenantId);
    replaceFences(geo, tenantId, jobFenceDefs(dir, (id) => fenceOf(geo, tenantId, id), opts.jobFenceMarginMs), ['job']);
  }

  async function reloadTenant(tenantId: string, parts: { fences?: boolean; sites?: boolean; devices?: boolean; jobs?: boolean }) {
    const [fences, sites, devices, vehicles, jobs] = await Promise.all([
      parts.fences ? loadFences(db, logger, tenantId) : undefined,
      parts.sites || parts.fences ? loadSites(db, tenantId) : undefined,
      parts.devices ? loadDevices(db, tenantId) : undefined,
      parts.devices ? loadVehicles(db, tenantId) : undefined,
      parts.jobs ? loadJobs(db, tenantId) : undefined,
    ]);
    const dir = directory.ensure(tenantId);
    if (fences) replaceFences(geo, tenantId, fences.get(tenantId) ?? [], DRAWN_KINDS);
    if (sites) applySites(tenantId, sites.get(tenantId) ?? []);
    if (devices) dir.replaceDevices(devices.get(tenantId) ?? []);
    if (vehicles) dir.replaceVehicles(vehicles.get(tenantId) ?? []);
    if (jobs) dir.replaceJobs(jobs.get(tenantId) ?? []);
    if (fences || sites || jobs) rebuildJobFences(tenantId);
    if (jobs) opts.onJobsReloaded?.(tenantId);
  }

  async function reloadFence(tenantId: string, fenceId: string, op: EntityChanged['op']) {
    const rows = op === 'delete' ? undefined : (await loadFences(db, logger, tenantId, fenceId)).get(tenantId);
    const def = rows?.[0];
    if (def) upsertFence(geo, tenantId, def);
    else removeFence(geo, tenantId, fenceId);
    // Arrival radii, site links and job fences derive from fences.
    applySites(tenantId, (await loadSites(db, tenantId)).get(tenantId) ?? []);
    rebuildJobFences(tenantId);
  }

  const everything = { fences: true, sites: true, devices: true, jobs: true };

  return {
    counters,
    loadAll() {
      return run({ scope: 'all' }, async () => {
        const [tenantIds, fences, sites, devices, vehicles, jobs] = await Promise.all([
          loadTenantIds(db),
          loadFences(db, logger),
          loadSites(db),
          loadDevices(db),
          loadVehicles(db),
          loadJobs(db),
        ]);
        for (const tenantId of tenantIds) {
          known.add(tenantId);
          const dir = directory.ensure(tenantId);
          replaceFences(geo, tenantId, fences.get(tenantId) ?? [], DRAWN_KINDS);
          applySites(tenantId, sites.get(tenantId) ?? []);
          dir.replaceDevices(devices.get(tenantId) ?? []);
          dir.replaceVehicles(vehicles.get(tenantId) ?? []);
          dir.replaceJobs(jobs.get(tenantId) ?? []);
          rebuildJobFences(tenantId);
        }
        logger.info({ tenants: tenantIds.length, fences: count(fences), devices: count(devices), openJobs: count(jobs) }, 'fleet cache loaded');
      });
    },
    onChanged(change) {
      const { tenantId, entity, id, op } = change;
      const what = { tenantId, entity, id, op };
      if (!known.has(tenantId)) {
        known.add(tenantId);
        return enqueue(what, () => reloadTenant(tenantId, everything));
      }
      switch (entity) {
        case 'geofence':
          return enqueue(what, () => reloadFence(tenantId, id, op));
        case 'site':
          // A new site usually comes with a new fence; reloading both keeps the pair consistent.
          return enqueue(what, () => reloadTenant(tenantId, { fences: true, sites: true }));
        case 'job':
          return enqueue(what, () => reloadTenant(tenantId, { jobs: true }));
        case 'device':
        case 'vehicle':
          return enqueue(what, () => reloadTenant(tenantId, { devices: true, jobs: true }));
        default:
          logger.warn(what, 'change of an entity the processors do not cache; ignored');
          return chain;
      }
    },
    discoverTenant(tenantId) {
      if (known.has(tenantId)) return;
      known.add(tenantId);
      void enqueue({ tenantId, scope: 'tenant' }, () => reloadTenant(tenantId, everything));
    },
    settled() {
      return chain;
    },
  };
}

function count(m: Map<string, unknown[]>): number {
  let n = 0;
  for (const list of m.values()) n += list.length;
  return n;
}

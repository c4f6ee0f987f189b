import type { Logger } from '@fieldtrace/service-kit';
import { loadSpeedProfile, saveSpeedProfile, type Db } from '@fieldtrace/store';
import { profileOf, profiles, type EtaState } from '../eta/eta-core.js';

/** Learned speeds survive a restart, and the API's on-demand ETA reads what was saved. */
export async function loadProfiles(db: Db, eta: EtaState): Promise<void> {
  const tenants = await db.query<{ id: string }>('SELECT id FROM tenants');
  for (const { id } of tenants) profileOf(eta, id).load(await loadSpeedProfile(db, id));
}

/** Saves every tenant's learned speeds; a failure is logged and the next period tries again. */
export async function saveProfiles(db: Db, eta: EtaState, logger: Logger, learning: boolean): Promise<void> {
  if (!learning) return;
  for (const [tenantId, profile] of profiles(eta)) {
    try {
      await saveSpeedProfile(db, tenantId, profile.snapshot());
    } catch (err) {
      logger.warn({ err, tenantId }, 'saving learned speeds failed; will retry');
    }
  }
}

import { busFilter, parseBusTopic, type BusKind, type EtaUpdate, type JobStatusChange, type LiveItem } from '@fieldtrace/protocol';
import type { Bus, Logger } from '@fieldtrace/service-kit';
import type { LiveFanout } from './fanout.js';
import type { EtaStore } from './eta-store.js';

const LIVE_KINDS = [
  'position', 'geofence', 'eta', 'job', 'alert', 'trip', 'timesheet', 'plan', 'inspection',
] as const satisfies readonly (BusKind & LiveItem['type'])[];
type LiveKind = (typeof LIVE_KINDS)[number];

/** The tenant a message says it belongs to: an AlertChange carries it inside its alert, every other kind on top. */
function claimedTenant(kind: LiveKind, message: object): unknown {
  if (kind === 'alert') return (message as { alert?: { tenantId?: unknown } | null }).alert?.tenantId;
  return (message as { tenantId?: unknown }).tenantId;
}

/**
 * One subscription per live kind for all tenants; each message goes to its tenant's sockets. The tenant is taken
 * from the topic, which the broker's ACL protects, and a message claiming another tenant is dropped.
 * Returns the function that unsubscribes.
 */
export async function subscribeLiveFeed(bus: Bus, fanout: LiveFanout, etas: EtaStore, logger: Logger): Promise<() => Promise<void>> {
  let mismatched = 0;
  const handler = (topic: string, message: unknown) => {
    const address = parseBusTopic(topic);
    if (!address || typeof message !== 'object' || message === null) return;
    const kind = address.kind as LiveKind;
    if (claimedTenant(kind, message) !== address.tenantId) {
      // Logged on powers of two: a misbehaving publisher must not flood the log.
      if ((++mismatched & (mismatched - 1)) === 0) logger.warn({ topic, mismatched }, 'bus message tenant differs from its topic; dropped');
      return;
    }
    // Bus kind `plan` also carries re-plan requests for the planner (`request: true`); only plans go to browsers.
    if (kind === 'plan' && (message as { request?: unknown }).request === true) return;
    if (kind === 'eta') etas.put(message as EtaUpdate);
    else if (kind === 'job') etas.onJobStatus(message as JobStatusChange);
    fanout.publish(address.tenantId, { type: kind, data: message } as LiveItem);
  };
  const unsubscribers = await Promise.all(LIVE_KINDS.map((kind) => bus.subscribe(busFilter(kind), handler)));
  return async () => {
    await Promise.all(unsubscribers.map((off) => off()));
  };
}

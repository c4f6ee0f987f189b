import { busTopic, type Alert, type AlertChange, type EntityChanged, type JobStatusChange } from '@fieldtrace/protocol';
import type { Bus } from '@fieldtrace/service-kit';

/** Tells the processors (and anything else on the bus) to reload what they cache for one entity. */
export function publishChanged(
  bus: Bus, tenantId: string, entity: EntityChanged['entity'], id: string, op: EntityChanged['op'],
): void {
  const message: EntityChanged = { v: 1, tenantId, entity, id, op };
  bus.publish(busTopic(tenantId, 'changed'), message);
}

export function publishJobStatus(bus: Bus, change: JobStatusChange): void {
  bus.publish(busTopic(change.tenantId, 'job'), change);
}

/** What happened to an alert, on bus kind `alert` (the same payload the processors publish). */
export function publishAlertChange(bus: Bus, change: AlertChange['change'], alert: Alert): void {
  const message: AlertChange = { v: 1, change, alert };
  bus.publish(busTopic(alert.tenantId, 'alert'), message);
}

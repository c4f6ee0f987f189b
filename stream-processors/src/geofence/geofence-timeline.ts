import type { GeofenceEvent } from '@fieldtrace/protocol';
import { EventTimeProcessor, type EventTimeOptions } from '../event-time/event-time.js';
import { advanceGeofence, restoreDevice, snapshotDevice, stepGeofence, type GeofenceState } from './geofence-core.js';
import type { MembershipSnapshot } from './membership.js';

export type GeofenceTimeline = EventTimeProcessor<MembershipSnapshot, GeofenceEvent>;

/** The geofence core behind a per-device reorder buffer with late corrections (see EventTimeProcessor). */
export function createGeofenceTimeline(state: GeofenceState, opts?: EventTimeOptions): GeofenceTimeline {
  return new EventTimeProcessor<MembershipSnapshot, GeofenceEvent>(
    {
      step: (fix, out) => stepGeofence(state, fix, out),
      advance: (tenantId, deviceId, ts, out) => advanceGeofence(state, tenantId, deviceId, ts, out),
      snapshot: (tenantId, deviceId) => snapshotDevice(state, tenantId, deviceId),
      restore: (tenantId, deviceId, snap) => restoreDevice(state, tenantId, deviceId, snap),
      asLate: (event) => ({ ...event, late: true }),
      retraction: (event) => ({ ...event, id: `${event.id}:retracted`, late: true, retracts: event.id }),
    },
    opts,
  );
}

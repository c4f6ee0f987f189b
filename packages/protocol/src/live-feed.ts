import type { EtaUpdate, GeofenceEvent, JobStatusChange, Position } from './messages/derived.js';
import type { AlertChange } from './messages/alerts.js';
import type { TripEvent } from './messages/trips.js';
import type { TimesheetEntry } from './messages/timesheet.js';
import type { Plan } from './messages/plan.js';
import type { InspectionUpdate } from './messages/inspection.js';

/**
 * The live WebSocket feed (`/v1/live`). Server frames are JSON arrays of these, batched per tick so one frame
 * carries many positions (frames, not messages, are what a browser pays for). Each item is the bus message of
 * the same kind, unchanged.
 */
export type LiveItem =
  | { type: 'position'; data: Position }
  | { type: 'geofence'; data: GeofenceEvent }
  | { type: 'eta'; data: EtaUpdate }
  | { type: 'job'; data: JobStatusChange }
  /** An alert raised, updated, reopened, acknowledged or cleared; `data.alert` is the alert as it now stands. */
  | { type: 'alert'; data: AlertChange }
  | { type: 'trip'; data: TripEvent }
  | { type: 'timesheet'; data: TimesheetEntry }
  /** A route plan proposed, applied, rejected or superseded; `data` is the plan as it now stands. */
  | { type: 'plan'; data: Plan }
  /** A roof inspection queued, processed (with its finding count) or failed. */
  | { type: 'inspection'; data: InspectionUpdate };

export type LiveFrame = LiveItem[];
export const LIVE_PATH = '/v1/live';

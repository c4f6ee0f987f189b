import type { EtaUpdate, GeofenceEvent, JobStatusChange, Position } from './messages/derived.js';

/**
 * The live WebSocket feed (`/v1/live`). Server frames are JSON arrays of these, batched per tick so one frame
 * carries many positions (frames, not messages, are what a browser pays for).
 */
export type LiveItem =
  | { type: 'position'; data: Position }
  | { type: 'geofence'; data: GeofenceEvent }
  | { type: 'eta'; data: EtaUpdate }
  | { type: 'job'; data: JobStatusChange };

export type LiveFrame = LiveItem[];
export const LIVE_PATH = '/v1/live';

import { Type, type Static } from '@sinclair/typebox';
import { EventTime, Id, Lat, Lon, Seq, WIRE_VERSION } from './common.js';
import { FixQuality } from './gps-fix.js';
import { AlertId } from './alerts.js';

/**
 * Messages produced by the platform (ingest and the stream processors) on the internal bus and the live feed.
 * Devices never publish these: the broker's ACL keeps them off `bus/` topics.
 */

/** A fix that has been validated and durably stored, with the ids it was stored under. */
export const Position = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  tenantId: Id,
  deviceId: Id,
  seq: Seq,
  ts: EventTime,
  /** When ingest accepted it (Unix ms); ts..receivedAt is the device's delivery delay. */
  receivedAt: EventTime,
  lat: Lat,
  lon: Lon,
  alt: Type.Optional(Type.Number()),
  accuracy: Type.Optional(Type.Number()),
  speed: Type.Optional(Type.Number()),
  heading: Type.Optional(Type.Number()),
  fix: FixQuality,
});
export type Position = Static<typeof Position>;

/**
 * enter/exit: the fence's boundary was crossed (with hysteresis). arrive: inside for the fence's minimum dwell (the
 * dwell event; `ts` is when it entered, `confirmedTs` when the dwell was complete). depart: outside for the fence's
 * minimum absence after having arrived (`ts` is when it left). A brief exit and return in between is enter/exit only.
 */
export const GeofenceTransition = Type.Union([Type.Literal('enter'), Type.Literal('exit'), Type.Literal('arrive'), Type.Literal('depart')]);
export type GeofenceTransition = Static<typeof GeofenceTransition>;

export const GeofenceEvent = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  /** Deterministic: the same fix crossing the same fence always yields the same id, so a replay stores it once. */
  id: Type.String(),
  tenantId: Id,
  deviceId: Id,
  vehicleId: Type.Optional(Id),
  geofenceId: Id,
  /**
   * 'job': the event comes from a job's own copy of its site's fence (geofenceId names the site's fence), which only
   * the assigned vehicle can enter and only around the appointment window; job automation acts on these.
   */
  fenceKind: Type.Optional(Type.Union([Type.Literal('site'), Type.Literal('depot'), Type.Literal('zone'), Type.Literal('job')])),
  siteId: Type.Optional(Id),
  jobId: Type.Optional(Id),
  transition: GeofenceTransition,
  /** When it happened: for enter/exit the boundary crossing, interpolated between the two fixes around it. */
  ts: EventTime,
  /** Where: the crossing point for enter/exit, the fix that showed it otherwise. */
  lat: Lat,
  lon: Lon,
  /** arrive/depart: the event time at which the minimum dwell or absence was complete. */
  confirmedTs: Type.Optional(EventTime),
  /** Both crossings lie between two fixes, neither of which was inside (a fence passed through between sparse fixes). */
  passThrough: Type.Optional(Type.Boolean()),
  /**
   * True when emitted as a correction: fixes arriving after the processor had moved past their event time
   * (store-and-forward backlog) changed the event history, and this event was missing from what was announced.
   */
  late: Type.Boolean(),
  /** A correction withdrawing an earlier event (same fields, id suffixed `:retracted`); `retracts` is the original id. */
  retracts: Type.Optional(Type.String()),
});
export type GeofenceEvent = Static<typeof GeofenceEvent>;

export const EtaUpdate = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  tenantId: Id,
  vehicleId: Id,
  deviceId: Id,
  jobId: Id,
  siteId: Id,
  /** Predicted arrival, Unix ms. */
  eta: EventTime,
  secondsToGo: Type.Number({ minimum: 0 }),
  distanceM: Type.Number({ minimum: 0 }),
  method: Type.Union([Type.Literal('great-circle'), Type.Literal('route'), Type.Literal('matrix')]),
  /** Event time of the fix this estimate is based on. */
  basedOnTs: EventTime,
});
export type EtaUpdate = Static<typeof EtaUpdate>;

export const JobStatus = Type.Union([
  Type.Literal('requested'),
  Type.Literal('estimated'),
  Type.Literal('approved'),
  Type.Literal('scheduled'),
  Type.Literal('assigned'),
  Type.Literal('en_route'),
  Type.Literal('on_site'),
  Type.Literal('completed'),
  Type.Literal('invoiced'),
  Type.Literal('paid'),
  Type.Literal('cancelled'),
]);
export type JobStatus = Static<typeof JobStatus>;

export const JobStatusChange = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  tenantId: Id,
  jobId: Id,
  from: Type.Union([JobStatus, Type.Null()]),
  to: JobStatus,
  ts: EventTime,
  /** What caused it: a dispatcher (`api`), a geofence arrival (`geofence`), the optimizer... */
  cause: Type.String({ maxLength: 64 }),
});
export type JobStatusChange = Static<typeof JobStatusChange>;

/**
 * Configuration changed through the API (a fence redrawn, a job assigned...). Processors reload what they cache
 * for that entity instead of polling the database.
 */
export const EntityChanged = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  tenantId: Id,
  entity: Type.Union([
    Type.Literal('device'),
    Type.Literal('vehicle'),
    Type.Literal('site'),
    Type.Literal('geofence'),
    Type.Literal('job'),
    /** A tenant's alert rule document; `id` is the tenant id. */
    Type.Literal('alert_rules'),
    /** An alert acknowledged through the API. */
    Type.Literal('alert'),
  ]),
  /** The entity's id; for 'alert' an AlertId (`rule.v.subject.openedAt`), for 'alert_rules' the tenant id. */
  id: Type.Union([Id, AlertId]),
  op: Type.Union([Type.Literal('upsert'), Type.Literal('delete')]),
});
export type EntityChanged = Static<typeof EntityChanged>;

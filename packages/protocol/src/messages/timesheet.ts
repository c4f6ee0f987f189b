import { Type, type Static } from '@sinclair/typebox';
import { EventTime, Id, WIRE_VERSION } from './common.js';

export const TimesheetKind = Type.Union([Type.Literal('en_route'), Type.Literal('on_site'), Type.Literal('idle')]);
export type TimesheetKind = Static<typeof TimesheetKind>;

/**
 * Time a vehicle (and its crew) spent on a job, measured from telemetry: driving to it (from "en route" to
 * arrival), on site (arrival to departure), and idling on site (engine on, stationary). Billing reads these.
 * Bus kind `timesheet`; stored in `timesheet_entries`.
 */
export const TimesheetEntry = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  /** Deterministic: `ts:{jobId}:{kind}:{startedAt}`, so a replay stores it once. */
  id: Type.String(),
  tenantId: Id,
  jobId: Id,
  vehicleId: Id,
  crewId: Type.Union([Id, Type.Null()]),
  kind: TimesheetKind,
  startedAt: EventTime,
  endedAt: EventTime,
  seconds: Type.Integer({ minimum: 0 }),
});
export type TimesheetEntry = Static<typeof TimesheetEntry>;

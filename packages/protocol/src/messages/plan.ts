import { Type, type Static } from '@sinclair/typebox';
import { EventTime, Id, WIRE_VERSION } from './common.js';

/** What made the planner re-plan a tenant's day. */
export const PlanTriggerKind = Type.Union([
  Type.Literal('manual'),
  Type.Literal('new_job'),
  Type.Literal('job_cancelled'),
  Type.Literal('eta_slip'),
  Type.Literal('vehicle_offline'),
  Type.Literal('shift_change'),
]);
export type PlanTriggerKind = Static<typeof PlanTriggerKind>;

export const PlanTrigger = Type.Object({
  kind: PlanTriggerKind,
  jobId: Type.Optional(Id),
  vehicleId: Type.Optional(Id),
  /** Human text for the event feed, e.g. "Job J-17 (urgent) added". */
  detail: Type.String({ maxLength: 300 }),
});
export type PlanTrigger = Static<typeof PlanTrigger>;

export const PlannedStop = Type.Object({
  jobId: Id,
  /** Predicted arrival and service start, Unix ms. */
  arrival: EventTime,
  serviceStart: EventTime,
});
export type PlannedStop = Static<typeof PlannedStop>;

export const PlannedRoute = Type.Object({
  vehicleId: Id,
  stops: Type.Array(PlannedStop),
  /** Seconds and metres of driving the route plans. */
  durationS: Type.Number({ minimum: 0 }),
  distanceM: Type.Number({ minimum: 0 }),
});
export type PlannedRoute = Static<typeof PlannedRoute>;

export const PlanMove = Type.Object({
  jobId: Id,
  fromVehicleId: Type.Union([Id, Type.Null()]),
  toVehicleId: Type.Union([Id, Type.Null()]),
  fromOrder: Type.Union([Type.Integer(), Type.Null()]),
  toOrder: Type.Union([Type.Integer(), Type.Null()]),
});
export type PlanMove = Static<typeof PlanMove>;

/**
 * A proposed or applied plan for a tenant's open jobs: one route per vehicle and what changed against the jobs'
 * current assignment. Bus kind `plan`; stored in `plans`. A tenant either applies plans automatically or a
 * dispatcher applies or rejects them (`POST /v1/plans/:id/apply|reject`).
 */
export const Plan = Type.Object({
  v: Type.Literal(WIRE_VERSION),
  id: Type.String({ maxLength: 100 }),
  tenantId: Id,
  createdAt: EventTime,
  trigger: PlanTrigger,
  status: Type.Union([Type.Literal('proposed'), Type.Literal('applied'), Type.Literal('rejected'), Type.Literal('superseded')]),
  /** Which solver answered; `fallbackReason` says why the embedded one did when a remote VROOM was configured. */
  backend: Type.Union([Type.Literal('embedded'), Type.Literal('remote')]),
  fallbackReason: Type.Optional(Type.String({ maxLength: 300 })),
  routes: Type.Array(PlannedRoute),
  unassigned: Type.Array(Id),
  /** Only jobs whose vehicle or position in the route changed. */
  moves: Type.Array(PlanMove),
  appliedAt: Type.Optional(EventTime),
});
export type Plan = Static<typeof Plan>;

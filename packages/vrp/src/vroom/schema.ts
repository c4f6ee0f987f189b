import { Type, type Static } from '@sinclair/typebox';

/**
 * VROOM's JSON API (docs/API.md of VROOM 1.15, 2025) as TypeBox schemas and their static types. Key names are
 * VROOM's own (snake_case) so a problem written for VROOM runs here unchanged, and our output can be read by any
 * VROOM client.
 *
 * Leniency: VROOM reads only the keys it knows and silently ignores the rest (its parser looks keys up one by one),
 * so these schemas leave `additionalProperties` open too. A misspelt optional key is therefore ignored, exactly as
 * VROOM would ignore it.
 *
 * Units (VROOM's): times and durations in seconds, distances in metres, coordinates `[lon, lat]`, time windows
 * `[start, end]` with both ends inclusive. Time windows bound the start of service, not the arrival.
 *
 * The structural limits here (integers, non-negative) are VROOM's C++ types (uint32/uint64). Checks that involve
 * more than one field (unique ids, amount lengths, matrix sizes, sorted windows) live in validate.ts, which also
 * turns schema errors into VROOM-style messages.
 */

/** VROOM's ids, durations, amounts and skills are unsigned integers. */
const UInt = (description?: string) => Type.Integer(description === undefined ? { minimum: 0 } : { minimum: 0, description });

/** `[lon, lat]` in degrees. VROOM itself does not range-check; we do, because Fieldtrace derives travel times from them. */
export const VroomLocation = Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]);
export type VroomLocation = Static<typeof VroomLocation>;

/** `[start, end]`, inclusive, in seconds (relative to the horizon start or absolute timestamps: the user's choice). */
export const VroomTimeWindow = Type.Tuple([UInt(), UInt()]);
export type VroomTimeWindow = Static<typeof VroomTimeWindow>;

/** Multidimensional quantities (items, kg, litres...): the same length everywhere in one problem. */
export const VroomAmount = Type.Array(UInt());
export type VroomAmount = Static<typeof VroomAmount>;

export const VroomSkills = Type.Array(UInt());
export type VroomSkills = Static<typeof VroomSkills>;

/** Maps a vehicle `type` to a setup/service duration overriding the task's default for vehicles of that type. */
export const VroomDurationPerType = Type.Record(Type.String(), UInt());
export type VroomDurationPerType = Static<typeof VroomDurationPerType>;

export const VroomJob = Type.Object({
  id: UInt(),
  description: Type.Optional(Type.String()),
  location: Type.Optional(VroomLocation),
  /** Row and column in the custom matrices; mandatory when matrices are given. */
  location_index: Type.Optional(UInt()),
  /** Applied only when arriving from a different location (a second task at the same place skips it). */
  setup: Type.Optional(UInt()),
  service: Type.Optional(UInt()),
  setup_per_type: Type.Optional(VroomDurationPerType),
  service_per_type: Type.Optional(VroomDurationPerType),
  /** Deprecated by VROOM in favour of `delivery`; still read as a delivery amount when `delivery` is absent. */
  amount: Type.Optional(VroomAmount),
  /** Loaded at vehicle start, dropped here. */
  delivery: Type.Optional(VroomAmount),
  /** Picked up here, brought back to the vehicle end. */
  pickup: Type.Optional(VroomAmount),
  skills: Type.Optional(VroomSkills),
  /** 0..100; higher means more important to include when not every task fits. */
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  /** Valid slots for the start of service (after any waiting). Absent means no constraint. */
  time_windows: Type.Optional(Type.Array(VroomTimeWindow)),
});
export type VroomJob = Static<typeof VroomJob>;

/** One end of a shipment; amount, skills and priority belong to the shipment. */
export const VroomShipmentStep = Type.Object({
  id: UInt(),
  description: Type.Optional(Type.String()),
  location: Type.Optional(VroomLocation),
  location_index: Type.Optional(UInt()),
  setup: Type.Optional(UInt()),
  service: Type.Optional(UInt()),
  setup_per_type: Type.Optional(VroomDurationPerType),
  service_per_type: Type.Optional(VroomDurationPerType),
  time_windows: Type.Optional(Type.Array(VroomTimeWindow)),
});
export type VroomShipmentStep = Static<typeof VroomShipmentStep>;

/** A pickup and a delivery served by the same vehicle, pickup first. */
export const VroomShipment = Type.Object({
  pickup: VroomShipmentStep,
  delivery: VroomShipmentStep,
  amount: Type.Optional(VroomAmount),
  skills: Type.Optional(VroomSkills),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
});
export type VroomShipment = Static<typeof VroomShipment>;

export const VroomBreak = Type.Object({
  /** Unique per vehicle only. */
  id: UInt(),
  /** Valid slots for the start of the break. */
  time_windows: Type.Optional(Type.Array(VroomTimeWindow)),
  /** Break length. */
  service: Type.Optional(UInt()),
  description: Type.Optional(Type.String()),
  /** The break may only happen while the vehicle's load is at most this, per dimension. */
  max_load: Type.Optional(VroomAmount),
});
export type VroomBreak = Static<typeof VroomBreak>;

export const VroomCosts = Type.Object({
  /** Cost of using the vehicle at all. Default 0. */
  fixed: Type.Optional(UInt()),
  /** Cost of one hour of travel. Default 3600 (cost = seconds). Inconsistent with a custom `costs` matrix. */
  per_hour: Type.Optional(UInt()),
  /** Cost of one hour of task time (setup + service). Default 0. */
  per_task_hour: Type.Optional(UInt()),
  /** Cost of one km of travel. Default 0. */
  per_km: Type.Optional(UInt()),
});
export type VroomCosts = Static<typeof VroomCosts>;

export const VroomStepType = Type.Union([
  Type.Literal('start'),
  Type.Literal('job'),
  Type.Literal('pickup'),
  Type.Literal('delivery'),
  Type.Literal('break'),
  Type.Literal('end'),
]);
export type VroomStepType = Static<typeof VroomStepType>;

/** An imposed (plan mode, `-c`) or suggested (solving mode) route step for a vehicle. */
export const VroomVehicleStep = Type.Object({
  type: VroomStepType,
  /** Task or break id; required unless type is start/end. */
  id: Type.Optional(UInt()),
  service_at: Type.Optional(UInt()),
  service_after: Type.Optional(UInt()),
  service_before: Type.Optional(UInt()),
});
export type VroomVehicleStep = Static<typeof VroomVehicleStep>;

export const VroomVehicle = Type.Object({
  id: UInt(),
  /** Selects the matrices (`matrices[profile]`). Default 'car'. */
  profile: Type.Optional(Type.String({ minLength: 1 })),
  description: Type.Optional(Type.String()),
  /** Absent start: the route begins at its first task; absent end: it stops at its last task. One of them is required. */
  start: Type.Optional(VroomLocation),
  start_index: Type.Optional(UInt()),
  end: Type.Optional(VroomLocation),
  end_index: Type.Optional(UInt()),
  capacity: Type.Optional(VroomAmount),
  costs: Type.Optional(VroomCosts),
  skills: Type.Optional(VroomSkills),
  /** Key into tasks' setup_per_type/service_per_type. */
  type: Type.Optional(Type.String()),
  /** Working hours: route start no earlier than [0], route end no later than [1]. */
  time_window: Type.Optional(VroomTimeWindow),
  breaks: Type.Optional(Type.Array(VroomBreak)),
  /** Scales all travel times of this vehicle; (0, 5], two decimals are respected. */
  speed_factor: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 5 })),
  /** Maximum number of tasks (jobs, pickups, deliveries; not breaks) on the route. */
  max_tasks: Type.Optional(UInt()),
  /** Maximum total travel time (s), waiting and service excluded. */
  max_travel_time: Type.Optional(UInt()),
  /** Maximum total travel distance (m). */
  max_distance: Type.Optional(UInt()),
  steps: Type.Optional(Type.Array(VroomVehicleStep)),
});
export type VroomVehicle = Static<typeof VroomVehicle>;

/** A square matrix of unsigned integers; row = from, column = to. */
export const VroomMatrix = Type.Array(Type.Array(UInt()));
export type VroomMatrix = Static<typeof VroomMatrix>;

export const VroomProfileMatrices = Type.Object({
  /** Travel times (s) used for every timing constraint. */
  durations: Type.Optional(VroomMatrix),
  /** Distances (m); VROOM requires `durations` too. */
  distances: Type.Optional(VroomMatrix),
  /** Costs replacing the per_hour/per_km cost model in the objective. */
  costs: Type.Optional(VroomMatrix),
});
export type VroomProfileMatrices = Static<typeof VroomProfileMatrices>;

/**
 * Not part of VROOM's input file: vroom-express takes these in the request body and turns them into VROOM's command
 * line flags; our embedded solver reads them the same way. Unknown options are ignored.
 */
export const VroomOptions = Type.Object({
  /** -g: return geometries (and distances). */
  g: Type.Optional(Type.Boolean()),
  /** -c: plan mode (choose ETAs for the routes given in vehicles[].steps). */
  c: Type.Optional(Type.Boolean()),
  /** -x: exploration level 0..5. */
  x: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  /** -t: threads. */
  t: Type.Optional(Type.Integer({ minimum: 1 })),
  /** -l: time limit in seconds. */
  l: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});
export type VroomOptions = Static<typeof VroomOptions>;

export const VroomInput = Type.Object({
  jobs: Type.Optional(Type.Array(VroomJob)),
  shipments: Type.Optional(Type.Array(VroomShipment)),
  vehicles: Type.Array(VroomVehicle),
  /** Per-profile custom matrices, e.g. `{ car: { durations } }`. */
  matrices: Type.Optional(Type.Record(Type.String(), VroomProfileMatrices)),
  /** Deprecated by VROOM: a single durations matrix, read as `matrices.car.durations`. */
  matrix: Type.Optional(VroomMatrix),
  options: Type.Optional(VroomOptions),
});
export type VroomInput = Static<typeof VroomInput>;

// ---------------------------------------------------------------------------------------------------------------
// Output

/**
 * Why a route breaks a constraint. Only plan mode (`-c`) reports non-empty violations; a solve always returns empty
 * arrays here.
 */
export const VroomViolationCause = Type.Union([
  Type.Literal('delay'),
  Type.Literal('lead_time'),
  Type.Literal('load'),
  Type.Literal('max_tasks'),
  Type.Literal('skills'),
  Type.Literal('precedence'),
  Type.Literal('missing_break'),
  Type.Literal('max_travel_time'),
  Type.Literal('max_distance'),
  Type.Literal('max_load'),
]);
export type VroomViolationCause = Static<typeof VroomViolationCause>;

export const VroomViolation = Type.Object({
  cause: VroomViolationCause,
  /** Earliness for lead_time, lateness for delay (s). */
  duration: Type.Optional(UInt()),
});
export type VroomViolation = Static<typeof VroomViolation>;

export const VroomStep = Type.Object({
  type: VroomStepType,
  /** Arrival time at this step (s, same origin as the time windows). Service starts at arrival + waiting_time. */
  arrival: UInt(),
  /** Cumulated travel time upon arrival (s). */
  duration: UInt(),
  setup: UInt(),
  service: UInt(),
  waiting_time: UInt(),
  violations: Type.Array(VroomViolation),
  description: Type.Optional(Type.String()),
  location: Type.Optional(VroomLocation),
  location_index: Type.Optional(UInt()),
  /** Task or break id; absent for start and end. */
  id: Type.Optional(UInt()),
  /** Vehicle load after the step, per dimension (when the problem has amounts). */
  load: Type.Optional(VroomAmount),
  /** Cumulated travel distance upon arrival (m), when distances are known. */
  distance: Type.Optional(UInt()),
});
export type VroomStep = Static<typeof VroomStep>;

export const VroomRoute = Type.Object({
  vehicle: UInt(),
  steps: Type.Array(VroomStep),
  cost: UInt(),
  setup: UInt(),
  service: UInt(),
  /** Total travel time (s). */
  duration: UInt(),
  waiting_time: UInt(),
  priority: UInt(),
  violations: Type.Array(VroomViolation),
  delivery: Type.Optional(VroomAmount),
  pickup: Type.Optional(VroomAmount),
  /** Vehicle description, when given in input. */
  description: Type.Optional(Type.String()),
  /** Encoded polyline, with -g. */
  geometry: Type.Optional(Type.String()),
  distance: Type.Optional(UInt()),
});
export type VroomRoute = Static<typeof VroomRoute>;

export const VroomComputingTimes = Type.Object({
  /** Milliseconds: parsing and matrix loading. */
  loading: UInt(),
  solving: UInt(),
  /** Only with -g. */
  routing: Type.Optional(UInt()),
});
export type VroomComputingTimes = Static<typeof VroomComputingTimes>;

export const VroomSummary = Type.Object({
  cost: UInt(),
  routes: UInt(),
  unassigned: UInt(),
  setup: UInt(),
  service: UInt(),
  duration: UInt(),
  waiting_time: UInt(),
  priority: UInt(),
  violations: Type.Array(VroomViolation),
  delivery: Type.Optional(VroomAmount),
  pickup: Type.Optional(VroomAmount),
  distance: Type.Optional(UInt()),
  computing_times: VroomComputingTimes,
});
export type VroomSummary = Static<typeof VroomSummary>;

export const VroomUnassigned = Type.Object({
  id: UInt(),
  type: Type.Union([Type.Literal('job'), Type.Literal('pickup'), Type.Literal('delivery')]),
  description: Type.Optional(Type.String()),
  location: Type.Optional(VroomLocation),
  location_index: Type.Optional(UInt()),
});
export type VroomUnassigned = Static<typeof VroomUnassigned>;

/**
 * Fieldtrace's addition to VROOM's output (VROOM has no such key; VROOM clients ignore it): which backend produced
 * the plan, and when the remote VROOM could not be used, why the embedded solver answered instead.
 */
export const FieldtracePlanInfo = Type.Object({
  backend: Type.Union([Type.Literal('remote'), Type.Literal('embedded')]),
  fallbackReason: Type.Optional(Type.String()),
});
export type FieldtracePlanInfo = Static<typeof FieldtracePlanInfo>;

/** VROOM's status codes: 0 ok, 1 internal error, 2 input error, 3 routing error. */
export const VROOM_OK = 0;
export const VROOM_INTERNAL_ERROR = 1;
export const VROOM_INPUT_ERROR = 2;
export const VROOM_ROUTING_ERROR = 3;
/** Added by vroom-express (HTTP 413): more locations or vehicles than the server is configured to accept. */
export const VROOM_EXPRESS_TOO_LARGE = 4;

/** A solved problem (`code: 0`). */
export const VroomSolution = Type.Object({
  code: Type.Literal(VROOM_OK),
  summary: VroomSummary,
  unassigned: Type.Array(VroomUnassigned),
  routes: Type.Array(VroomRoute),
  fieldtrace: Type.Optional(FieldtracePlanInfo),
});
export type VroomSolution = Static<typeof VroomSolution>;

/** VROOM's error output: `{"code": 2, "error": "..."}` (code 4 only ever comes from vroom-express). */
export const VroomErrorOutput = Type.Object({
  code: Type.Union([
    Type.Literal(VROOM_INTERNAL_ERROR),
    Type.Literal(VROOM_INPUT_ERROR),
    Type.Literal(VROOM_ROUTING_ERROR),
    Type.Literal(VROOM_EXPRESS_TOO_LARGE),
  ]),
  error: Type.String(),
  fieldtrace: Type.Optional(FieldtracePlanInfo),
});
export type VroomErrorOutput = Static<typeof VroomErrorOutput>;

/** Whatever VROOM writes: a solution or an error, told apart by `code`. */
export const VroomOutput = Type.Union([VroomSolution, VroomErrorOutput]);
export type VroomOutput = Static<typeof VroomOutput>;

export function isVroomSolution(output: VroomOutput): output is VroomSolution {
  return output.code === VROOM_OK;
}

/** For callers (tests, benches) that need a solution: throws with VROOM's error message otherwise. */
export function expectVroomSolution(output: VroomOutput): VroomSolution {
  if (output.code === VROOM_OK) return output;
  throw new Error(`VROOM error ${output.code}: ${output.error}`);
}


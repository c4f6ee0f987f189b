import { indexLocations } from './locations.js';
import type { VroomInput, VroomTimeWindow, VroomVehicle } from './schema.js';
import { DEFAULT_PROFILE } from './validate.js';

/** The problem as the feasibility checker sees it: tasks and vehicles by id, travel matrices by profile. */

export type MatrixLike = ArrayLike<ArrayLike<number>>;

export interface ProfileTravel {
  /** Seconds, by matrix index (see indexLocations for coordinates-only problems). */
  durations: MatrixLike;
  /** Metres. */
  distances?: MatrixLike;
}

/** Travel matrices by vehicle profile. */
export type FeasibilityMatrices = Readonly<Record<string, ProfileTravel>>;

export interface FeasibilityOptions {
  /**
   * Defaults to the input's own `matrices` (or deprecated `matrix`). Required for coordinates-only problems, indexed
   * as `indexLocations(input).locations`.
   */
  matrices?: FeasibilityMatrices;
  /** Accepted timing difference (s) for vehicles with a speed_factor other than 1. Default 1. */
  timeToleranceS?: number;
}

export type FeasibilityViolationKind =
  | 'output_schema'
  | 'error_output'
  | 'unknown_vehicle'
  | 'duplicate_route'
  | 'route_shape'
  | 'unknown_task'
  | 'duplicate_task'
  | 'missing_task'
  | 'time_window'
  | 'vehicle_time_window'
  | 'capacity'
  | 'load_report'
  | 'skills'
  | 'break'
  | 'break_time_window'
  | 'break_max_load'
  | 'precedence'
  | 'max_tasks'
  | 'max_travel_time'
  | 'max_distance'
  | 'timing'
  | 'travel'
  | 'task_time'
  | 'route_totals'
  | 'summary';

export interface FeasibilityViolation {
  kind: FeasibilityViolationKind;
  message: string;
  /** Vehicle id of the route concerned. */
  vehicle?: number;
  /** Rank of the step in its route. */
  step?: number;
}

export type TaskType = 'job' | 'pickup' | 'delivery';

export interface Task {
  type: TaskType;
  id: number;
  index: number | undefined;
  /** On board from the route start (job deliveries). */
  startLoad: readonly number[];
  /** Load change at this task. */
  loadChange: readonly number[];
  skills: readonly number[];
  tws: readonly VroomTimeWindow[] | undefined;
  setup: number;
  service: number;
  setupPerType: Readonly<Record<string, number>> | undefined;
  servicePerType: Readonly<Record<string, number>> | undefined;
  priority: number;
  /** What this task adds to the route's and summary's `delivery` and `pickup` totals. */
  delivery: readonly number[];
  pickup: readonly number[];
  /** For a shipment delivery: the id of its pickup. */
  pickupId: number | undefined;
}

export interface Problem {
  tasks: Map<string, Task>;
  vehicles: Map<number, VroomVehicle>;
  matrices: FeasibilityMatrices;
  /** Profiles whose route cost comes from a custom costs matrix. */
  profilesWithCustomCosts: Set<string>;
  amountSize: number;
  timeToleranceS: number;
}

export const taskKey = (type: string, id: number): string => `${type}:${id}`;

export function buildProblem(raw: VroomInput, options: FeasibilityOptions): Problem {
  const { input } = indexLocations(raw);
  // VROOM fixes the number of amount dimensions from the first vehicle's capacity.
  const amountSize = input.vehicles[0]?.capacity?.length ?? 0;
  const zero: readonly number[] = new Array<number>(amountSize).fill(0);
  const amount = (a: readonly number[] | undefined): readonly number[] => a ?? zero;
  const tasks = new Map<string, Task>();
  for (const j of input.jobs ?? []) {
    // VROOM's retro-compatibility: a lone `amount` on a job is a delivery.
    const delivery = amount(j.delivery ?? (j.pickup === undefined ? j.amount : undefined));
    const pickup = amount(j.pickup);
    tasks.set(taskKey('job', j.id), {
      type: 'job',
      id: j.id,
      index: j.location_index,
      startLoad: delivery,
      loadChange: pickup.map((p, d) => p - (delivery[d] ?? 0)),
      skills: j.skills ?? [],
      tws: j.time_windows,
      setup: j.setup ?? 0,
      service: j.service ?? 0,
      setupPerType: j.setup_per_type,
      servicePerType: j.service_per_type,
      priority: j.priority ?? 0,
      delivery,
      pickup,
      pickupId: undefined,
    });
  }
  for (const s of input.shipments ?? []) {
    const shipped = amount(s.amount);
    for (const type of ['pickup', 'delivery'] as const) {
      const step = s[type];
      tasks.set(taskKey(type, step.id), {
        type,
        id: step.id,
        index: step.location_index,
        startLoad: zero,
        loadChange: type === 'pickup' ? shipped : shipped.map((x) => -x),
        skills: s.skills ?? [],
        tws: step.time_windows,
        setup: step.setup ?? 0,
        service: step.service ?? 0,
        setupPerType: step.setup_per_type,
        servicePerType: step.service_per_type,
        priority: s.priority ?? 0,
        delivery: type === 'delivery' ? shipped : zero,
        pickup: type === 'pickup' ? shipped : zero,
        pickupId: type === 'delivery' ? s.pickup.id : undefined,
      });
    }
  }
  const profilesWithCustomCosts = new Set<string>();
  for (const [profile, m] of Object.entries(input.matrices ?? {})) if (m.costs !== undefined) profilesWithCustomCosts.add(profile);
  return {
    tasks,
    vehicles: new Map(input.vehicles.map((v) => [v.id, v])),
    matrices: options.matrices ?? inputMatrices(input),
    profilesWithCustomCosts,
    amountSize,
    timeToleranceS: options.timeToleranceS ?? 1,
  };
}

function inputMatrices(input: VroomInput): FeasibilityMatrices {
  const out: Record<string, ProfileTravel> = {};
  if (input.matrix !== undefined) out[DEFAULT_PROFILE] = { durations: input.matrix };
  for (const [profile, m] of Object.entries(input.matrices ?? {})) {
    if (m.durations === undefined) continue;
    out[profile] = m.distances === undefined ? { durations: m.durations } : { durations: m.durations, distances: m.distances };
  }
  return out;
}

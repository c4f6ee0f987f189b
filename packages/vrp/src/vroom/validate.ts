import { TypeCompiler } from '@sinclair/typebox/compiler';
import { usesMatrixIndices } from './locations.js';
import { describeSchemaError, type InputProblem } from './schema-errors.js';
import {
  VROOM_INPUT_ERROR,
  VroomInput,
  type VroomAmount,
  type VroomDurationPerType,
  type VroomJob,
  type VroomLocation,
  type VroomMatrix,
  type VroomProfileMatrices,
  type VroomShipmentStep,
  type VroomTimeWindow,
  type VroomVehicle,
} from './schema.js';

/**
 * Checks a problem the way VROOM does before solving and answers like VROOM: `{code: 2, error}` with a message that
 * names the entity and field ("Duplicate job id: 3.", "Inconsistent delivery length: 2 instead of 1."), followed by
 * the JSON path of the offending value. VROOM stops at the first problem; so do we.
 *
 * Deliberate differences from VROOM:
 * - Coordinates-only input is valid (VROOM would query its routing engine; Fieldtrace computes the matrix from its
 *   travel-time source), and so is a profile without a custom matrix when every location has coordinates.
 * - Coordinates are range-checked (VROOM does not).
 */

export const DEFAULT_PROFILE = 'car';
/** VROOM's default cost per hour: cost equals travel seconds. */
export const DEFAULT_COST_PER_HOUR = 3600;

export type VroomValidation =
  | { ok: true; input: VroomInput }
  | { ok: false; code: typeof VROOM_INPUT_ERROR; error: string; path: string };

type Problem = InputProblem;

const checkSchema = TypeCompiler.Compile(VroomInput);

/**
 * Validates untrusted JSON (already parsed). On success the returned input is normalized the way VROOM reads it:
 * the deprecated top-level `matrix` becomes `matrices.car.durations` and a job's deprecated `amount` becomes its
 * `delivery` (when it has neither delivery nor pickup). The caller's object is never modified.
 */
export function validateVroomInput(json: unknown): VroomValidation {
  if (!checkSchema.Check(json)) {
    const first = checkSchema.Errors(json).First();
    const problem = first === undefined ? { message: 'Invalid input.', path: '' } : describeSchemaError(json, first);
    return reject(problem);
  }
  const input = normalize(json);
  const problem = checkSemantics(input);
  return problem === undefined ? { ok: true, input } : reject(problem);
}

function reject(problem: Problem): VroomValidation {
  const where = problem.path === '' ? '' : ` (at ${problem.path})`;
  return { ok: false, code: VROOM_INPUT_ERROR, error: problem.message + where, path: problem.path };
}

function normalize(input: VroomInput): VroomInput {
  let out = input;
  if (input.matrix !== undefined && input.matrices?.[DEFAULT_PROFILE]?.durations === undefined) {
    const matrices = { ...input.matrices, [DEFAULT_PROFILE]: { ...input.matrices?.[DEFAULT_PROFILE], durations: input.matrix } };
    out = { ...out, matrices };
    delete out.matrix;
  }
  if (input.jobs?.some(needsAmountCompat)) {
    out = { ...out, jobs: input.jobs.map((j) => (needsAmountCompat(j) ? { ...j, delivery: j.amount } : j)) };
  }
  return out;
}

/** VROOM's retro-compatibility rule: a lone `amount` on a job is a delivery. */
function needsAmountCompat(job: VroomJob): boolean {
  return job.amount !== undefined && job.delivery === undefined && job.pickup === undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks across fields, in VROOM's parse order: vehicles, jobs, shipments, matrices, vehicle steps.

function checkSemantics(input: VroomInput): Problem | undefined {
  if (input.vehicles.length === 0) return { message: 'No vehicle defined.', path: '/vehicles' };
  const jobs = input.jobs ?? [];
  const shipments = input.shipments ?? [];
  if (jobs.length === 0 && shipments.length === 0) return { message: 'No task defined.', path: '/jobs' };

  // VROOM fixes the number of amount dimensions from the first vehicle's capacity (0 without one).
  const amountSize = input.vehicles[0]?.capacity?.length ?? 0;
  const withMatrices = usesMatrixIndices(input);

  return (
    checkVehicles(input.vehicles, amountSize, withMatrices) ??
    checkJobs(jobs, amountSize, withMatrices) ??
    checkShipments(input, amountSize, withMatrices) ??
    checkMatrices(input) ??
    checkVehicleSteps(input)
  );
}

function checkVehicles(vehicles: VroomVehicle[], amountSize: number, withMatrices: boolean): Problem | undefined {
  const ids = new Set<number>();
  for (let i = 0; i < vehicles.length; i++) {
    const v = vehicles[i]!;
    const at = `/vehicles/${i}`;
    const name = `vehicle ${v.id}`;
    if (ids.has(v.id)) return { message: `Duplicate vehicle id: ${v.id}.`, path: `${at}/id` };
    ids.add(v.id);

    const hasStart = v.start !== undefined || v.start_index !== undefined;
    const hasEnd = v.end !== undefined || v.end_index !== undefined;
    if (!hasStart && !hasEnd) return { message: `No start or end specified for ${name}.`, path: at };
    const endpoints = [
      ['start', v.start, v.start_index],
      ['end', v.end, v.end_index],
    ] as const;
    for (const [key, location, index] of endpoints) {
      if (location === undefined && index === undefined) continue;
      const problem = checkLocation(name, key, `${key}_index`, location, index, withMatrices, at);
      if (problem !== undefined) return problem;
    }

    if (v.capacity !== undefined) {
      const problem = checkAmountLength('capacity', v.capacity, amountSize, `${at}/capacity`);
      if (problem !== undefined) return problem;
    }
    if (v.time_window !== undefined) {
      const problem = checkWindow(v.time_window, name, `${at}/time_window`);
      if (problem !== undefined) return problem;
    }

    const breakIds = new Set<number>();
    for (let b = 0; b < (v.breaks?.length ?? 0); b++) {
      const brk = v.breaks![b]!;
      const bat = `${at}/breaks/${b}`;
      if (breakIds.has(brk.id)) return { message: `Duplicate break id: ${brk.id} for ${name}.`, path: `${bat}/id` };
      breakIds.add(brk.id);
      if (brk.time_windows !== undefined) {
        const problem = checkWindows(brk.time_windows, `break ${brk.id} of ${name}`, `${bat}/time_windows`);
        if (problem !== undefined) return problem;
      }
      if (brk.max_load !== undefined) {
        const problem = checkAmountLength('max_load', brk.max_load, amountSize, `${bat}/max_load`);
        if (problem !== undefined) return problem;
      }
    }
  }
  return undefined;
}

function checkJobs(jobs: VroomJob[], amountSize: number, withMatrices: boolean): Problem | undefined {
  const ids = new Set<number>();
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i]!;
    const at = `/jobs/${i}`;
    if (ids.has(j.id)) return { message: `Duplicate job id: ${j.id}.`, path: `${at}/id` };
    ids.add(j.id);
    const problem =
      (j.delivery !== undefined ? checkAmountLength('delivery', j.delivery, amountSize, `${at}/delivery`) : undefined) ??
      (j.pickup !== undefined ? checkAmountLength('pickup', j.pickup, amountSize, `${at}/pickup`) : undefined) ??
      checkTask(j, 'job', at, withMatrices);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkShipments(input: VroomInput, amountSize: number, withMatrices: boolean): Problem | undefined {
  const shipments = input.shipments ?? [];
  const pickupIds = new Set<number>();
  const deliveryIds = new Set<number>();
  for (let i = 0; i < shipments.length; i++) {
    const s = shipments[i]!;
    const at = `/shipments/${i}`;
    if (pickupIds.has(s.pickup.id)) return { message: `Duplicate pickup id: ${s.pickup.id}.`, path: `${at}/pickup/id` };
    pickupIds.add(s.pickup.id);
    if (deliveryIds.has(s.delivery.id)) return { message: `Duplicate delivery id: ${s.delivery.id}.`, path: `${at}/delivery/id` };
    deliveryIds.add(s.delivery.id);
    const problem =
      (s.amount !== undefined ? checkAmountLength('amount', s.amount, amountSize, `${at}/amount`) : undefined) ??
      checkTask(s.pickup, 'pickup', `${at}/pickup`, withMatrices) ??
      checkTask(s.delivery, 'delivery', `${at}/delivery`, withMatrices);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkTask(task: VroomJob | VroomShipmentStep, kind: string, at: string, withMatrices: boolean): Problem | undefined {
  const name = `${kind} ${task.id}`;
  return (
    checkLocation(name, 'location', 'location_index', task.location, task.location_index, withMatrices, at) ??
    (task.time_windows !== undefined ? checkWindows(task.time_windows, name, `${at}/time_windows`) : undefined) ??
    checkTypeKeys(task.setup_per_type, 'setup_per_type', name, at) ??
    checkTypeKeys(task.service_per_type, 'service_per_type', name, at)
  );
}

/** VROOM: with custom matrices `*_index` is mandatory; without them coordinates are. */
function checkLocation(
  name: string,
  coordinatesKey: string,
  indexKey: string,
  location: VroomLocation | undefined,
  index: number | undefined,
  withMatrices: boolean,
  at: string,
): Problem | undefined {
  if (withMatrices && index === undefined) {
    return { message: `Missing ${indexKey} for ${name}: custom matrices are given, so locations are matrix indices.`, path: `${at}/${indexKey}` };
  }
  if (!withMatrices && location === undefined) {
    return { message: `Invalid ${coordinatesKey} for ${name}: coordinates are required without custom matrices.`, path: `${at}/${coordinatesKey}` };
  }
  return undefined;
}

function checkAmountLength(key: string, amount: VroomAmount, amountSize: number, path: string): Problem | undefined {
  if (amount.length === amountSize) return undefined;
  return { message: `Inconsistent ${key} length: ${amount.length} instead of ${amountSize}.`, path };
}

function checkWindow(tw: VroomTimeWindow, name: string, path: string): Problem | undefined {
  if (tw[0] <= tw[1]) return undefined;
  return { message: `Invalid time window: [${tw[0]}, ${tw[1]}] for ${name}.`, path };
}

/** VROOM: non-empty, each start <= end, sorted and strictly disjoint (both ends are inclusive). */
function checkWindows(tws: VroomTimeWindow[], name: string, path: string): Problem | undefined {
  if (tws.length === 0) return { message: `Empty time windows for ${name}.`, path };
  for (let k = 0; k < tws.length; k++) {
    const problem = checkWindow(tws[k]!, name, `${path}/${k}`);
    if (problem !== undefined) return problem;
    if (k > 0 && tws[k]![0] <= tws[k - 1]![1]) return { message: `Unsorted or overlapping time-windows for ${name}.`, path: `${path}/${k}` };
  }
  return undefined;
}

function checkTypeKeys(map: VroomDurationPerType | undefined, key: string, name: string, at: string): Problem | undefined {
  if (map === undefined || !Object.hasOwn(map, '')) return undefined;
  return { message: `Empty type in ${key} for ${name}.`, path: `${at}/${key}` };
}

function checkMatrices(input: VroomInput): Problem | undefined {
  const matrices = input.matrices ?? {};
  for (const [profile, m] of Object.entries(matrices)) {
    const problem = checkProfileMatrices(profile, m);
    if (problem !== undefined) return problem;
  }

  const locatedByCoordinates = everyLocationHasCoordinates(input);
  for (let i = 0; i < input.vehicles.length; i++) {
    const v = input.vehicles[i]!;
    const profile = v.profile ?? DEFAULT_PROFILE;
    const m = matrices[profile];
    if (m?.costs !== undefined && v.costs?.per_hour !== undefined && v.costs.per_hour !== DEFAULT_COST_PER_HOUR) {
      return { message: `Custom costs are incompatible with using a per_hour value (vehicle ${v.id}).`, path: `/vehicles/${i}/costs/per_hour` };
    }
    if (!usesMatrixIndices(input)) continue;
    if (m?.durations === undefined && !locatedByCoordinates) {
      return {
        message: `Missing durations matrix for ${profile} profile (vehicle ${v.id}): not every location has coordinates to compute it from.`,
        path: `/matrices/${escapePointer(profile)}`,
      };
    }
    const problem = m === undefined ? undefined : checkIndicesInRange(input, profile, m);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkProfileMatrices(profile: string, m: VroomProfileMatrices): Problem | undefined {
  const at = `/matrices/${escapePointer(profile)}`;
  if (m.distances !== undefined && m.durations === undefined) {
    return { message: `Missing durations matrix for ${profile} profile: custom distances require custom durations.`, path: `${at}/durations` };
  }
  let size: number | undefined;
  for (const kind of ['durations', 'distances', 'costs'] as const) {
    const matrix = m[kind];
    if (matrix === undefined) continue;
    const problem = checkSquare(matrix, `${kind} matrix for ${profile} profile`, `${at}/${kind}`);
    if (problem !== undefined) return problem;
    if (size !== undefined && matrix.length !== size) {
      return { message: `Inconsistent ${kind} matrix size for ${profile} profile: ${matrix.length} instead of ${size}.`, path: `${at}/${kind}` };
    }
    size = matrix.length;
  }
  return undefined;
}

function checkSquare(matrix: VroomMatrix, name: string, path: string): Problem | undefined {
  if (matrix.length === 0) return { message: `Empty ${name}.`, path };
  for (let r = 0; r < matrix.length; r++) {
    const length = matrix[r]!.length;
    if (length !== matrix.length) {
      return { message: `Unexpected matrix line length in ${name}: row ${r} has ${length} entries instead of ${matrix.length}.`, path: `${path}/${r}` };
    }
  }
  return undefined;
}

/** Every index any vehicle of this profile could visit must be a row of the profile's matrices. */
function checkIndicesInRange(input: VroomInput, profile: string, m: VroomProfileMatrices): Problem | undefined {
  const size = (m.durations ?? m.costs)?.length;
  if (size === undefined) return undefined;
  const outOfRange = (index: number | undefined): boolean => index !== undefined && index >= size;
  const describe = (key: string, name: string, index: number, path: string): Problem => ({
    message: `Invalid ${key} for ${name}: ${index} is outside the ${profile} profile matrices (size ${size}).`,
    path,
  });
  for (let i = 0; i < input.vehicles.length; i++) {
    const v = input.vehicles[i]!;
    if ((v.profile ?? DEFAULT_PROFILE) !== profile) continue;
    if (outOfRange(v.start_index)) return describe('start_index', `vehicle ${v.id}`, v.start_index!, `/vehicles/${i}/start_index`);
    if (outOfRange(v.end_index)) return describe('end_index', `vehicle ${v.id}`, v.end_index!, `/vehicles/${i}/end_index`);
  }
  const jobs = input.jobs ?? [];
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i]!;
    if (outOfRange(j.location_index)) return describe('location_index', `job ${j.id}`, j.location_index!, `/jobs/${i}/location_index`);
  }
  const shipments = input.shipments ?? [];
  for (let i = 0; i < shipments.length; i++) {
    for (const kind of ['pickup', 'delivery'] as const) {
      const step = shipments[i]![kind];
      if (outOfRange(step.location_index)) {
        return describe('location_index', `${kind} ${step.id}`, step.location_index!, `/shipments/${i}/${kind}/location_index`);
      }
    }
  }
  return undefined;
}

function everyLocationHasCoordinates(input: VroomInput): boolean {
  const vehiclesOk = input.vehicles.every(
    (v) => (v.start_index === undefined || v.start !== undefined) && (v.end_index === undefined || v.end !== undefined),
  );
  return (
    vehiclesOk &&
    (input.jobs ?? []).every((j) => j.location !== undefined) &&
    (input.shipments ?? []).every((s) => s.pickup.location !== undefined && s.delivery.location !== undefined)
  );
}

/** Custom routes (`vehicles[].steps`) may only name tasks that exist and breaks of that vehicle. */
function checkVehicleSteps(input: VroomInput): Problem | undefined {
  const known = {
    job: new Set((input.jobs ?? []).map((j) => j.id)),
    pickup: new Set((input.shipments ?? []).map((s) => s.pickup.id)),
    delivery: new Set((input.shipments ?? []).map((s) => s.delivery.id)),
  };
  for (let i = 0; i < input.vehicles.length; i++) {
    const v = input.vehicles[i]!;
    const breaks = new Set((v.breaks ?? []).map((b) => b.id));
    const steps = v.steps ?? [];
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      const at = `/vehicles/${i}/steps/${k}`;
      if (step.type === 'start' || step.type === 'end') continue;
      if (step.id === undefined) return { message: `Invalid id in steps for vehicle ${v.id}.`, path: `${at}/id` };
      const ids = step.type === 'break' ? breaks : known[step.type];
      if (!ids.has(step.id)) return { message: `Invalid ${step.type} id ${step.id} in steps for vehicle ${v.id}.`, path: `${at}/id` };
    }
  }
  return undefined;
}

/** RFC 6901 escaping, so a profile named "a/b" still yields a usable path. */
function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

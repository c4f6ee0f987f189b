import { TypeCompiler } from '@sinclair/typebox/compiler';
import { buildProblem, taskKey, type FeasibilityOptions, type FeasibilityViolation, type Problem } from './feasibility-problem.js';
import { checkRoute } from './feasibility-route.js';
import { VroomOutput, VroomSolution, type VroomInput } from './schema.js';

export type {
  FeasibilityMatrices,
  FeasibilityOptions,
  FeasibilityViolation,
  FeasibilityViolationKind,
  MatrixLike,
  ProfileTravel,
} from './feasibility-problem.js';

/**
 * An independent check of a VROOM-format solution against its problem. It recomputes every time, load and count
 * from the input and the order of the steps alone and shares no code with any solver, so a solver bug cannot hide
 * behind the solver's own bookkeeping. Tests and benchmarks run it on every output.
 *
 * Timing model (VROOM's): arrival(k+1) = departure(k) + travel(k -> k+1); service starts at arrival + waiting_time
 * and must fall inside one of the task's time windows (both ends inclusive; waiting is allowed, the window bounds
 * the start only); departure = service start + setup + service, where setup applies only when the vehicle arrives
 * from another location. A break leaves the vehicle where it is. Travel is the profile's durations matrix divided by
 * the vehicle's speed_factor. Each step is compared with its reported predecessor, so a rounding difference never
 * accumulates; with a speed factor other than 1 up to `timeToleranceS` (default 1 s) is accepted, because VROOM
 * keeps scaled times in hundredths of a second.
 *
 * Load model (VROOM's): job deliveries are all on board at the start, job pickups stay on board to the end, a
 * shipment's amount is on board from its pickup to its delivery. A vehicle without `capacity` has capacity 0 in
 * every dimension when the problem has amounts (VROOM reads a missing capacity as zeros).
 *
 * Breaks: every break of a vehicle that has a route must appear on it once (VROOM reports a "missing_break"
 * otherwise), start inside one of its windows and be taken with a load within its max_load.
 *
 * Not checked: route cost under custom costs (per_hour, per_km, per_task_hour, fixed, a costs matrix) — only VROOM's
 * default model, cost = travel seconds, is recomputed; distances and max_distance when no distances matrix is known.
 */
export function checkFeasibility(input: VroomInput, output: VroomOutput, options: FeasibilityOptions = {}): FeasibilityViolation[] {
  // Checked against the solution schema when it claims success, so the first error points into the routes.
  const schema = (output as { code?: unknown }).code === 0 ? checkSolution : checkOutput;
  if (!schema.Check(output)) {
    const first = schema.Errors(output).First();
    return [{ kind: 'output_schema', message: `Output does not match VROOM's format at ${first?.path ?? '/'}: ${first?.message ?? 'invalid'}` }];
  }
  if (output.code !== 0) return [{ kind: 'error_output', message: `Output is an error (code ${output.code}): ${output.error}` }];

  const problem = buildProblem(input, options);
  const out: FeasibilityViolation[] = [];
  const served = new Set<string>();
  const routed = new Set<number>();
  for (const route of output.routes) {
    const vehicle = problem.vehicles.get(route.vehicle);
    if (vehicle === undefined) {
      out.push({ kind: 'unknown_vehicle', message: `Route for unknown vehicle ${route.vehicle}`, vehicle: route.vehicle });
      continue;
    }
    if (routed.has(route.vehicle)) out.push({ kind: 'duplicate_route', message: `Vehicle ${route.vehicle} has more than one route`, vehicle: route.vehicle });
    routed.add(route.vehicle);
    checkRoute(problem, vehicle, route, served, out);
  }
  checkUnassigned(problem, output, served, out);
  checkSummary(output, out);
  return out;
}

/** Output validation compiled once: the checker refuses to reason about a malformed solution. */
const checkOutput = TypeCompiler.Compile(VroomOutput);
const checkSolution = TypeCompiler.Compile(VroomSolution);

/** Every task is either on exactly one route or listed once as unassigned. */
function checkUnassigned(problem: Problem, output: VroomSolution, served: Set<string>, out: FeasibilityViolation[]): void {
  const listed = new Set<string>();
  for (const u of output.unassigned) {
    const key = taskKey(u.type, u.id);
    if (!problem.tasks.has(key)) out.push({ kind: 'unknown_task', message: `Unassigned list names unknown ${u.type} ${u.id}` });
    else if (served.has(key)) out.push({ kind: 'duplicate_task', message: `${u.type} ${u.id} is both served and unassigned` });
    else if (listed.has(key)) out.push({ kind: 'duplicate_task', message: `${u.type} ${u.id} is listed twice as unassigned` });
    listed.add(key);
  }
  for (const [key, task] of problem.tasks) {
    if (!served.has(key) && !listed.has(key)) out.push({ kind: 'missing_task', message: `${task.type} ${task.id} is neither served nor unassigned` });
  }
}

/** The summary adds up the routes. */
function checkSummary(output: VroomSolution, out: FeasibilityViolation[]): void {
  const s = output.summary;
  const routes = output.routes;
  const sum = (pick: (r: (typeof routes)[number]) => number): number => routes.reduce((acc, r) => acc + pick(r), 0);
  const expect = (name: string, reported: number | undefined, expected: number): void => {
    if (reported !== undefined && reported !== expected) out.push({ kind: 'summary', message: `Summary ${name} ${reported} should be ${expected}` });
  };
  expect('routes', s.routes, routes.length);
  expect('unassigned', s.unassigned, output.unassigned.length);
  expect('cost', s.cost, sum((r) => r.cost));
  expect('setup', s.setup, sum((r) => r.setup));
  expect('service', s.service, sum((r) => r.service));
  expect('duration', s.duration, sum((r) => r.duration));
  expect('waiting_time', s.waiting_time, sum((r) => r.waiting_time));
  expect('priority', s.priority, sum((r) => r.priority));
  if (routes.every((r) => r.distance !== undefined)) expect('distance', s.distance, sum((r) => r.distance ?? 0));
  for (const key of ['delivery', 'pickup'] as const) {
    const total = s[key];
    if (total === undefined || !routes.every((r) => r[key] !== undefined)) continue;
    const expected = total.map((_, d) => sum((r) => r[key]![d] ?? 0));
    if (expected.some((x, d) => x !== total[d])) {
      out.push({ kind: 'summary', message: `Summary ${key} ${JSON.stringify(total)} should be ${JSON.stringify(expected)}` });
    }
  }
}

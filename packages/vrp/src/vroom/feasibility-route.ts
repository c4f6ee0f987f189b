import { taskKey, type FeasibilityViolation, type FeasibilityViolationKind, type Problem, type Task } from './feasibility-problem.js';
import type { VroomBreak, VroomRoute, VroomStep, VroomTimeWindow, VroomVehicle } from './schema.js';
import { DEFAULT_PROFILE } from './validate.js';

/**
 * Walks one route step by step, recomputing travel, times, setups, services and loads from the input and the step
 * order, and compares them with what the route reports (see feasibility.ts for the model).
 */
export function checkRoute(problem: Problem, vehicle: VroomVehicle, route: VroomRoute, served: Set<string>, out: FeasibilityViolation[]): void {
  const v = vehicle.id;
  const report = (kind: FeasibilityViolationKind, message: string, step?: number): void => {
    out.push(step === undefined ? { kind, message, vehicle: v } : { kind, message, vehicle: v, step });
  };
  const steps = route.steps;
  if (steps.length < 2 || steps[0]!.type !== 'start' || steps[steps.length - 1]!.type !== 'end') {
    report('route_shape', `Route of vehicle ${v} must begin with a start step and finish with an end step`);
    return;
  }

  const profile = vehicle.profile ?? DEFAULT_PROFILE;
  const travel = problem.matrices[profile];
  if (travel === undefined) report('travel', `No durations matrix for profile ${profile}: travel and arrival times not checked`);
  const distances = travel?.distances;
  const speedFactor = vehicle.speed_factor ?? 1;
  const tolerance = speedFactor === 1 ? 0 : problem.timeToleranceS;
  const capacity: readonly number[] = vehicle.capacity ?? new Array<number>(problem.amountSize).fill(0);
  const vehicleSkills = new Set(vehicle.skills ?? []);
  const breaks = new Map((vehicle.breaks ?? []).map((b) => [b.id, b]));
  const breaksTaken = new Set<number>();
  const openPickups = new Set<number>();

  const checkLoad = (load: readonly number[], step: VroomStep, k: number): void => {
    const over = load.findIndex((x, d) => x > (capacity[d] ?? 0));
    if (over >= 0) report('capacity', `Load ${fmt(load)} exceeds capacity ${fmt(capacity)} of vehicle ${v} (dimension ${over})`, k);
    if (step.load !== undefined && (step.load.length !== load.length || step.load.some((x, d) => x !== load[d]))) {
      report('load_report', `Step ${k} reports load ${fmt(step.load)}, recomputed ${fmt(load)}`, k);
    }
  };

  // Every job delivery on the route is on board at the start.
  const load = new Array<number>(problem.amountSize).fill(0);
  for (const step of steps) {
    const task = step.type === 'job' && step.id !== undefined ? problem.tasks.get(taskKey('job', step.id)) : undefined;
    if (task !== undefined) addInto(load, task.startLoad);
  }
  const start = steps[0]!;
  checkLoad(load, start, 0);
  if (vehicle.time_window !== undefined && start.arrival < vehicle.time_window[0]) {
    report('vehicle_time_window', `Vehicle ${v} starts at ${start.arrival}, before its working hours begin at ${vehicle.time_window[0]}`, 0);
  }
  if (start.duration !== 0 || start.setup !== 0 || start.service !== 0 || start.waiting_time !== 0) {
    report('task_time', 'The start step must report no travel, setup, service or waiting', 0);
  }

  const totals = { travel: 0, distance: 0, setup: 0, service: 0, waiting: 0, priority: 0 };
  const deliverySum = new Array<number>(problem.amountSize).fill(0);
  const pickupSum = new Array<number>(problem.amountSize).fill(0);
  let tasksOnRoute = 0;
  // Undefined before the first task of a vehicle without a start: no travel to it, its setup applies.
  let location = vehicle.start_index;
  let departure = start.arrival;

  for (let k = 1; k < steps.length; k++) {
    const step = steps[k]!;
    const prev = steps[k - 1]!;
    totals.setup += step.setup;
    totals.service += step.service;
    totals.waiting += step.waiting_time;
    let task: Task | undefined;
    let brk: VroomBreak | undefined;
    let next = location;

    if (step.type === 'start') {
      report('route_shape', 'Route has a second start step', k);
    } else if (step.type === 'end') {
      if (k !== steps.length - 1) report('route_shape', 'Route has an end step before its last step', k);
      if (vehicle.end_index !== undefined) next = vehicle.end_index;
    } else if (step.type === 'break') {
      brk = step.id === undefined ? undefined : breaks.get(step.id);
      if (brk === undefined) report('break', `Vehicle ${v} has no break ${String(step.id)}`, k);
      else if (breaksTaken.has(brk.id)) report('break', `Break ${brk.id} of vehicle ${v} is taken twice`, k);
      else breaksTaken.add(brk.id);
    } else {
      const key = step.id === undefined ? '' : taskKey(step.type, step.id);
      task = problem.tasks.get(key);
      if (task === undefined) {
        report('unknown_task', `Step ${k} names unknown ${step.type} ${String(step.id)}`, k);
      } else {
        if (served.has(key)) report('duplicate_task', `${step.type} ${task.id} is served more than once`, k);
        served.add(key);
        tasksOnRoute++;
        totals.priority += task.priority;
        addInto(deliverySum, task.delivery);
        addInto(pickupSum, task.pickup);
        next = task.index;
        if (step.location_index !== undefined && task.index !== undefined && step.location_index !== task.index) {
          report('route_shape', `Step ${k} reports location_index ${step.location_index} but ${step.type} ${task.id} is at ${task.index}`, k);
        }
      }
    }

    // Travel from the previous location; a break leaves the vehicle where it is.
    let legTime = 0;
    let legDistance = 0;
    const moves = task !== undefined || (step.type === 'end' && vehicle.end_index !== undefined);
    if (moves && travel !== undefined && location !== undefined && next !== undefined) {
      const t = travel.durations[location]?.[next];
      if (t === undefined) report('travel', `No travel time from index ${location} to ${next} in the ${profile} matrix`, k);
      legTime = (t ?? 0) / speedFactor;
      legDistance = distances?.[location]?.[next] ?? 0;
    }
    totals.travel += legTime;
    totals.distance += legDistance;
    if (travel !== undefined) {
      if (Math.abs(step.arrival - (departure + legTime)) > tolerance) {
        report('timing', `Arrival ${step.arrival} at step ${k} should be ${round2(departure + legTime)} (departure ${round2(departure)} + travel ${round2(legTime)})`, k);
      }
      if (Math.abs(step.duration - (prev.duration + legTime)) > tolerance) {
        report('travel', `Cumulated travel ${step.duration} at step ${k} should be ${round2(prev.duration + legTime)}`, k);
      }
      if (distances !== undefined && step.distance !== undefined && prev.distance !== undefined && step.distance !== prev.distance + legDistance) {
        report('travel', `Cumulated distance ${step.distance} at step ${k} should be ${prev.distance + legDistance}`, k);
      }
    }

    const serviceStart = step.arrival + step.waiting_time;
    let setup = 0;
    let service = 0;
    if (task !== undefined) {
      // VROOM's setup rule: only when arriving from another location.
      setup = location === undefined || next !== location ? perType(task.setupPerType, vehicle.type, task.setup) : 0;
      service = perType(task.servicePerType, vehicle.type, task.service);
      if (task.tws !== undefined && !inSomeWindow(task.tws, serviceStart)) {
        report('time_window', `${task.type} ${task.id} starts service at ${serviceStart}, outside its time windows ${fmt(task.tws)}`, k);
      }
      for (const skill of task.skills) {
        if (!vehicleSkills.has(skill)) report('skills', `Vehicle ${v} lacks skill ${skill} required by ${task.type} ${task.id}`, k);
      }
      if (task.type === 'pickup') openPickups.add(task.id);
      if (task.pickupId !== undefined && !openPickups.delete(task.pickupId)) {
        report('precedence', `Delivery ${task.id} is not preceded by its pickup ${task.pickupId} on vehicle ${v}`, k);
      }
      addInto(load, task.loadChange);
    } else if (brk !== undefined) {
      service = brk.service ?? 0;
      if (brk.time_windows !== undefined && !inSomeWindow(brk.time_windows, serviceStart)) {
        report('break_time_window', `Break ${brk.id} starts at ${serviceStart}, outside its time windows ${fmt(brk.time_windows)}`, k);
      }
      const maxLoad = brk.max_load;
      if (maxLoad !== undefined && load.some((x, d) => x > (maxLoad[d] ?? 0))) {
        report('break_max_load', `Break ${brk.id} is taken with load ${fmt(load)}, above its max_load ${fmt(maxLoad)}`, k);
      }
    } else if (step.type === 'end' && vehicle.time_window !== undefined && step.arrival > vehicle.time_window[1]) {
      report('vehicle_time_window', `Vehicle ${v} ends at ${step.arrival}, after its working hours end at ${vehicle.time_window[1]}`, k);
    }
    checkLoad(load, step, k);
    if (step.setup !== setup || step.service !== service) {
      report('task_time', `Step ${k} reports setup ${step.setup} and service ${step.service}, expected ${setup} and ${service}`, k);
    }
    departure = serviceStart + setup + service;
    location = next;
  }

  for (const pickupId of openPickups) report('precedence', `Pickup ${pickupId} has no matching delivery after it on vehicle ${v}`);
  for (const id of breaks.keys()) if (!breaksTaken.has(id)) report('break', `Break ${id} of vehicle ${v} is missing from its route`);
  if (vehicle.max_tasks !== undefined && tasksOnRoute > vehicle.max_tasks) {
    report('max_tasks', `Vehicle ${v} serves ${tasksOnRoute} tasks, more than its max_tasks ${vehicle.max_tasks}`);
  }
  if (travel !== undefined && vehicle.max_travel_time !== undefined && totals.travel > vehicle.max_travel_time + tolerance) {
    report('max_travel_time', `Vehicle ${v} travels ${round2(totals.travel)} s, more than its max_travel_time ${vehicle.max_travel_time}`);
  }
  if (distances !== undefined && vehicle.max_distance !== undefined && totals.distance > vehicle.max_distance) {
    report('max_distance', `Vehicle ${v} travels ${totals.distance} m, more than its max_distance ${vehicle.max_distance}`);
  }

  // Route totals against the steps.
  const mismatch = (name: string, reported: number | undefined, expected: number, tol = 0): void => {
    if (reported !== undefined && Math.abs(reported - expected) > tol) report('route_totals', `Route ${name} ${reported} should be ${round2(expected)}`);
  };
  if (travel !== undefined) mismatch('duration', route.duration, totals.travel, tolerance);
  mismatch('setup', route.setup, totals.setup);
  mismatch('service', route.service, totals.service);
  mismatch('waiting_time', route.waiting_time, totals.waiting);
  mismatch('priority', route.priority, totals.priority);
  if (distances !== undefined) mismatch('distance', route.distance, totals.distance);
  if (route.delivery !== undefined && !sameAmount(route.delivery, deliverySum)) report('route_totals', `Route delivery ${fmt(route.delivery)} should be ${fmt(deliverySum)}`);
  if (route.pickup !== undefined && !sameAmount(route.pickup, pickupSum)) report('route_totals', `Route pickup ${fmt(route.pickup)} should be ${fmt(pickupSum)}`);
  // Only VROOM's default cost model is recomputed: cost per hour 3600, i.e. cost = travel seconds.
  if (vehicle.costs === undefined && !problem.profilesWithCustomCosts.has(profile)) mismatch('cost', route.cost, route.duration, tolerance);
}

function perType(map: Readonly<Record<string, number>> | undefined, type: string | undefined, fallback: number): number {
  if (map === undefined || type === undefined) return fallback;
  return Object.hasOwn(map, type) ? map[type]! : fallback;
}

/** Both ends inclusive (VROOM). */
function inSomeWindow(tws: readonly VroomTimeWindow[], t: number): boolean {
  return tws.some((tw) => tw[0] <= t && t <= tw[1]);
}

function addInto(acc: number[], amount: readonly number[]): void {
  for (let d = 0; d < acc.length; d++) acc[d]! += amount[d] ?? 0;
}

function sameAmount(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, d) => x === b[d]);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmt(value: unknown): string {
  return JSON.stringify(value);
}

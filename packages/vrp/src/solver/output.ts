import type { VroomRoute, VroomSolution, VroomStep, VroomUnassigned } from '../vroom/schema.js';
import { KIND_DELIVERY, KIND_JOB, KIND_PICKUP, type Model } from './model.js';
import { buildSchedule } from './schedule.js';
import type { Solution } from './solution.js';

/**
 * VROOM's output for a solution: routes in vehicle order with start, task, break and end steps (arrival, cumulated
 * travel, setup, service, waiting, load, cumulated distance), route and summary totals, and the unassigned tasks.
 * Times come from the earliest schedule, except that the vehicle leaves its start late enough not to wait at its
 * first task. Every route begins with a start step and finishes with an end step, as VROOM writes them, even when
 * the vehicle has no start or end location (no travel to or from it then).
 */

const KIND_NAMES = ['job', 'pickup', 'delivery'] as const;

export function toVroomSolution(m: Model, sol: Solution, times: { loading: number; solving: number }): VroomSolution {
  const D = m.dims;
  const hasDist = (v: number): boolean => m.classes[m.vClass[v]!]!.dist !== null;
  const routes: VroomRoute[] = [];
  for (let v = 0; v < m.nVehicles; v++) {
    const r = sol.routes[v]!;
    if (r.len === 0) continue;
    routes.push(routeOutput(m, v, r.node, r.len, r.cost, hasDist(v)));
  }

  const unassigned: VroomUnassigned[] = [];
  for (let n = 0; n < m.nNodes; n++) {
    if (sol.routeOf[n] !== -1) continue;
    const u: VroomUnassigned = { id: m.nodeId[n]!, type: KIND_NAMES[m.kind[n]!]! };
    const src = taskSource(m, n);
    if (src.description !== undefined) u.description = src.description;
    if (src.location !== undefined) u.location = src.location;
    if (src.location_index !== undefined) u.location_index = src.location_index;
    unassigned.push(u);
  }

  const sum = (pick: (r: VroomRoute) => number): number => routes.reduce((acc, r) => acc + pick(r), 0);
  const summary: VroomSolution['summary'] = {
    cost: sum((r) => r.cost),
    routes: routes.length,
    unassigned: unassigned.length,
    setup: sum((r) => r.setup),
    service: sum((r) => r.service),
    duration: sum((r) => r.duration),
    waiting_time: sum((r) => r.waiting_time),
    priority: sum((r) => r.priority),
    violations: [],
    computing_times: { loading: Math.round(times.loading), solving: Math.round(times.solving) },
  };
  if (D > 0) {
    summary.delivery = Array.from({ length: D }, (_, d) => sum((r) => r.delivery![d]!));
    summary.pickup = Array.from({ length: D }, (_, d) => sum((r) => r.pickup![d]!));
  }
  if (routes.length > 0 && routes.every((r) => r.distance !== undefined)) summary.distance = sum((r) => r.distance!);
  return { code: 0, summary, unassigned, routes };
}

interface TaskSource {
  description?: string;
  location?: [number, number];
  location_index?: number;
}

function taskSource(m: Model, n: number): TaskSource {
  const input = m.input;
  if (m.kind[n] === KIND_JOB) return input.jobs![n]!;
  const s = input.shipments![(n - m.nJobs) >> 1]!;
  return m.kind[n] === KIND_PICKUP ? s.pickup : s.delivery;
}

function routeOutput(m: Model, v: number, node: Int32Array, len: number, cost: number, withDistance: boolean): VroomRoute {
  const vehicle = m.input.vehicles[v]!;
  const D = m.dims;
  const cls = m.classes[m.vClass[v]!]!;
  const T = cls.time;
  const Dm = cls.dist;
  const S = m.stride;
  const typeOff = m.vType[v]! * m.nNodes;
  const sched = buildSchedule(m, v, node, len);
  const B = m.brkCount[v]!;

  // Leave the start late enough not to wait at the first task (unless a break is taken at the start).
  let shift = 0;
  let breakAtStart = false;
  for (let b = 0; b < B; b++) if (sched.breakAfter[b] === 0) breakAtStart = true;
  if (!breakAtStart && len > 0) shift = sched.start[1]! - sched.arrival[1]!;

  const load = new Array<number>(D).fill(0);
  const deliveryTotal = new Array<number>(D).fill(0);
  const pickupTotal = new Array<number>(D).fill(0);
  for (let k = 1; k <= len; k++) {
    const n = node[k]!;
    for (let d = 0; d < D; d++) {
      load[d]! += m.initLoad[n * D + d]!;
      const init = m.initLoad[n * D + d]!;
      const delta = m.deltaLoad[n * D + d]!;
      // Route totals as VROOM reports them: a job's delivery and pickup; a shipment's amount in both.
      if (m.kind[n] === KIND_JOB) {
        deliveryTotal[d]! += init;
        pickupTotal[d]! += delta + init;
      } else if (m.kind[n] === KIND_PICKUP) {
        pickupTotal[d]! += delta;
      } else if (m.kind[n] === KIND_DELIVERY) {
        deliveryTotal[d]! -= delta;
      }
    }
  }

  const steps: VroomStep[] = [];
  let travel = 0;
  let distance = 0;
  let setupSum = 0;
  let serviceSum = 0;
  let waitingSum = 0;
  let prioritySum = 0;
  const withLoad = (step: VroomStep): VroomStep => {
    if (D > 0) step.load = load.slice();
    if (withDistance) step.distance = Math.round(distance);
    return step;
  };
  const start: VroomStep = withLoad({
    type: 'start', arrival: Math.round(sched.arrival[0]! + shift), duration: 0, setup: 0, service: 0, waiting_time: 0, violations: [],
  });
  if (vehicle.start !== undefined) start.location = vehicle.start;
  if (vehicle.start_index !== undefined) start.location_index = vehicle.start_index;
  steps.push(start);

  let prevLoc = m.vStart[v]!;
  let b = 0;
  for (let k = 0; k <= len; k++) {
    while (b < B && sched.breakAfter[b] === k) {
      const brk = m.brkFirst[v]! + b;
      const arrival = sched.breakArrival[b]! + (k === 0 ? shift : 0);
      const wait = sched.breakStart[b]! - arrival;
      const step: VroomStep = withLoad({
        type: 'break', arrival: Math.round(arrival), duration: Math.round(travel), setup: 0,
        service: m.brkService[brk]!, waiting_time: Math.round(wait), violations: [], id: m.brkId[brk]!,
      });
      const desc = vehicle.breaks?.find((x) => x.id === m.brkId[brk])?.description;
      if (desc !== undefined) step.description = desc;
      steps.push(step);
      serviceSum += m.brkService[brk]!;
      waitingSum += step.waiting_time;
      b++;
    }
    if (k === len) break;
    const n = node[k + 1]!;
    const l = m.loc[n]!;
    travel += T[prevLoc * S + l]!;
    if (Dm !== null) distance += Dm[prevLoc * S + l]!;
    for (let d = 0; d < D; d++) load[d]! += m.deltaLoad[n * D + d]!;
    const arrival = sched.arrival[k + 1]! + (k === 0 ? shift : 0);
    const src = taskSource(m, n);
    const step: VroomStep = withLoad({
      type: KIND_NAMES[m.kind[n]!]!, arrival: Math.round(arrival), duration: Math.round(travel),
      setup: sched.setup[k + 1]!, service: m.service[typeOff + n]!,
      waiting_time: Math.round(sched.start[k + 1]! - arrival), violations: [], id: m.nodeId[n]!,
    });
    if (src.description !== undefined) step.description = src.description;
    if (src.location !== undefined) step.location = src.location;
    if (src.location_index !== undefined) step.location_index = src.location_index;
    steps.push(step);
    setupSum += step.setup;
    serviceSum += step.service;
    waitingSum += step.waiting_time;
    prioritySum += m.priority[n]!;
    prevLoc = l;
  }
  const endLoc = m.vEnd[v]!;
  travel += T[prevLoc * S + endLoc]!;
  if (Dm !== null) distance += Dm[prevLoc * S + endLoc]!;
  const end: VroomStep = withLoad({
    type: 'end', arrival: Math.round(sched.arrival[len + 1]! + (len === 0 ? shift : 0)), duration: Math.round(travel),
    setup: 0, service: 0, waiting_time: 0, violations: [],
  });
  if (vehicle.end !== undefined) end.location = vehicle.end;
  if (vehicle.end_index !== undefined) end.location_index = vehicle.end_index;
  steps.push(end);

  const route: VroomRoute = {
    vehicle: vehicle.id, steps, cost: Math.round(cost), setup: setupSum, service: serviceSum, duration: Math.round(travel),
    waiting_time: waitingSum, priority: prioritySum, violations: [],
  };
  if (D > 0) {
    route.delivery = deliveryTotal;
    route.pickup = pickupTotal;
  }
  if (vehicle.description !== undefined) route.description = vehicle.description;
  if (withDistance) route.distance = Math.round(distance);
  return route;
}

import type { VroomInput, VroomJob, VroomShipment, VroomVehicle } from '../vroom/schema.js';

/**
 * Random VROOM problems for the solver's tests: points on a grid, integer Euclidean travel times, and each feature
 * switched on by an option so a test exercises exactly what it names.
 */

export interface RandomProblemOptions {
  jobs: number;
  vehicles: number;
  shipments?: number;
  /** Fraction of tasks with a time window (random 1 or 2 windows). */
  windows?: number;
  /** Capacity per dimension; 0 = no amounts. */
  capacity?: number;
  dims?: number;
  /** Put some tasks at the same place and give tasks a setup time. */
  setup?: boolean;
  skills?: boolean;
  breaks?: boolean;
  maxTasks?: number;
  maxTravelTime?: number;
  /** Some vehicles without a start or an end. */
  openEnds?: boolean;
  horizon?: number;
}

export function randomProblem(rnd: () => number, o: RandomProblemOptions): VroomInput {
  const horizon = o.horizon ?? 20_000;
  const nLoc = 1 + o.jobs + 2 * (o.shipments ?? 0);
  const pts: [number, number][] = [];
  for (let i = 0; i < nLoc; i++) {
    // With setup on, a third of the places repeat an earlier one (setup is skipped between them).
    if (o.setup === true && i > 1 && rnd() < 0.33) pts.push(pts[1 + Math.floor(rnd() * (i - 1))]!);
    else pts.push([Math.floor(rnd() * 1000), Math.floor(rnd() * 1000)]);
  }
  const durations = pts.map((a) => pts.map((b) => Math.round(Math.hypot(a[0] - b[0], a[1] - b[1]))));
  const dims = o.capacity === undefined || o.capacity === 0 ? 0 : (o.dims ?? 1);
  const amount = (): number[] => Array.from({ length: dims }, () => Math.floor(rnd() * (o.capacity! / 3)));
  const windows = (): [number, number][] | undefined => {
    if (rnd() >= (o.windows ?? 0)) return undefined;
    const a = Math.floor(rnd() * horizon * 0.7);
    const w = 500 + Math.floor(rnd() * 3000);
    if (rnd() < 0.3) return [[a, a + w], [a + w + 2000, a + 2 * w + 2000]];
    return [[a, a + w]];
  };
  const skillOf = (): number[] | undefined => (o.skills === true && rnd() < 0.3 ? [1 + Math.floor(rnd() * 2)] : undefined);
  const jobs: VroomJob[] = [];
  for (let i = 0; i < o.jobs; i++) {
    const job: VroomJob = { id: 100 + i, location_index: 1 + i, service: Math.floor(rnd() * 300) };
    if (o.setup === true) job.setup = Math.floor(rnd() * 200);
    if (dims > 0) {
      if (rnd() < 0.7) job.delivery = amount();
      else job.pickup = amount();
    }
    const tw = windows();
    if (tw !== undefined) job.time_windows = tw;
    const sk = skillOf();
    if (sk !== undefined) job.skills = sk;
    jobs.push(job);
  }
  const shipments: VroomShipment[] = [];
  for (let i = 0; i < (o.shipments ?? 0); i++) {
    const p = 1 + o.jobs + 2 * i;
    const s: VroomShipment = {
      pickup: { id: 500 + i, location_index: p, service: Math.floor(rnd() * 200) },
      delivery: { id: 700 + i, location_index: p + 1, service: Math.floor(rnd() * 200) },
    };
    if (dims > 0) s.amount = amount();
    const tw = windows();
    if (tw !== undefined) s.delivery.time_windows = tw.map(([a, b]) => [a + 2000, b + 2000] as [number, number]);
    const sk = skillOf();
    if (sk !== undefined) s.skills = sk;
    shipments.push(s);
  }
  const vehicles: VroomVehicle[] = [];
  for (let i = 0; i < o.vehicles; i++) {
    const v: VroomVehicle = { id: i + 1, start_index: 0, end_index: 0, time_window: [0, horizon] };
    if (o.openEnds === true && i % 3 === 1) delete v.end_index;
    if (o.openEnds === true && i % 3 === 2) delete v.start_index;
    if (dims > 0) v.capacity = Array.from({ length: dims }, () => o.capacity!);
    if (o.skills === true) v.skills = i % 2 === 0 ? [1] : [1, 2];
    if (o.breaks === true && i % 2 === 0) {
      const a = Math.floor(horizon * 0.3 + rnd() * horizon * 0.2);
      v.breaks = [{ id: 1, service: 300 + Math.floor(rnd() * 600), time_windows: [[a, a + 2000]] }];
      if (dims > 0 && rnd() < 0.5) v.breaks[0]!.max_load = Array.from({ length: dims }, () => Math.floor(o.capacity! * 0.8));
    }
    if (o.maxTasks !== undefined) v.max_tasks = o.maxTasks;
    if (o.maxTravelTime !== undefined) v.max_travel_time = o.maxTravelTime;
    vehicles.push(v);
  }
  const input: VroomInput = { vehicles, jobs, matrices: { car: { durations, distances: durations.map((r) => r.map((d) => d * 10)) } } };
  if (shipments.length > 0) input.shipments = shipments;
  return input;
}

import type { VroomInput } from '../vroom/schema.js';

/**
 * Solomon's VRPTW instances (100 customers; README in ../shared/benchmarks/vrptw/solomon) as VROOM problems:
 * a custom integer matrix of Euclidean distances × `scale` used as both travel time and distance, and service times
 * and time windows scaled alike, so that the integer rounding VROOM needs costs at most 0.5/scale per arc.
 */

export interface SolomonCustomer {
  id: number;
  x: number;
  y: number;
  demand: number;
  ready: number;
  due: number;
  service: number;
}

export interface SolomonInstance {
  name: string;
  vehicles: number;
  capacity: number;
  /** Row 0 is the depot (its ready/due times are the planning horizon). */
  customers: SolomonCustomer[];
}

export function parseSolomon(text: string): SolomonInstance {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const name = lines[0] ?? '';
  const vehicleHeader = lines.findIndex((l) => l.startsWith('NUMBER'));
  const [vehicles, capacity] = (lines[vehicleHeader + 1] ?? '').split(/\s+/).map(Number);
  const customerHeader = lines.findIndex((l) => l.startsWith('CUST NO.'));
  const customers: SolomonCustomer[] = [];
  for (const line of lines.slice(customerHeader + 1)) {
    if (line === '') continue;
    const f = line.split(/\s+/).map(Number);
    if (f.length < 7 || f.some((x) => Number.isNaN(x))) continue;
    customers.push({ id: f[0]!, x: f[1]!, y: f[2]!, demand: f[3]!, ready: f[4]!, due: f[5]!, service: f[6]! });
  }
  if (vehicles === undefined || capacity === undefined || customers.length < 2) throw new Error(`Not a Solomon instance: ${name}`);
  return { name, vehicles, capacity, customers };
}

export function solomonDistance(a: SolomonCustomer, b: SolomonCustomer): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Matrix index = customer row (depot 0); job ids = customer numbers; vehicle ids 1..n. */
export function solomonToVroom(inst: SolomonInstance, scale = 1000): VroomInput {
  const c = inst.customers;
  const matrix = c.map((a) => c.map((b) => Math.round(solomonDistance(a, b) * scale)));
  const depot = c[0]!;
  const vehicles = Array.from({ length: inst.vehicles }, (_, i) => ({
    id: i + 1,
    start_index: 0,
    end_index: 0,
    capacity: [inst.capacity],
    time_window: [depot.ready * scale, depot.due * scale] as [number, number],
  }));
  const jobs = c.slice(1).map((cu, i) => ({
    id: cu.id,
    location_index: i + 1,
    service: cu.service * scale,
    delivery: [cu.demand],
    time_windows: [[cu.ready * scale, cu.due * scale] as [number, number]],
  }));
  return { vehicles, jobs, matrices: { car: { durations: matrix, distances: matrix } } };
}

/**
 * bench/vrptw — the embedded VRP solver on Solomon's 56 VRPTW instances (../shared/benchmarks/vrptw/solomon, see its
 * README), each converted to a VROOM problem with a custom integer matrix (Euclidean distance × 1000, travel time =
 * distance; service times and time windows × 1000 too). For each instance: vehicles used, total distance
 * recomputed in double precision from the coordinates, feasibility by the independent checker
 * (checkFeasibility), gap to the best-known solution and wall time; then per-family and overall averages.
 *
 * Gaps: with the native objective (VROOM's: cost = travel time = distance here) against the distance-oriented
 * best-known solutions; with the fleet-minimising objective, vehicles against the hierarchical best-known fleet and
 * distance against its distance (a distance gap only means something at the same fleet size).
 * Bar, VROOM 1.15 on 2 threads (vroom-scripts): native, exploration 5: 1.60 % average gap in 2.5 s per instance;
 * exploration 0: 4.38 % in 0.19 s. Fleet: 7.63 vehicles on average against 7.23 best-known.
 * Target: average gap ≤ 2.0 % within 5 s per instance, every solution feasible (stretch ≤ 1.6 %).
 * Usage: npm run bench:vrptw -- [--instances C101,R201] [--budget-ms 5000] [--seed 1] [--objective native|fleet]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sharedFixture } from '@fieldtrace/testkit';
import {
  checkFeasibility,
  expectVroomSolution,
  parseSolomon,
  solomonDistance,
  solomonToVroom,
  solveVroomWithStats,
  type ObjectiveKind,
  type SolomonInstance,
  type VroomSolution,
} from '@fieldtrace/vrp';
import { fmt } from './stats.js';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string' },
    'budget-ms': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    objective: { type: 'string', default: 'native' },
  },
});
const BUDGET_MS = Number(args['budget-ms']);
const SEED = Number(args.seed);
const OBJECTIVE = args.objective as ObjectiveKind;
if (OBJECTIVE !== 'native' && OBJECTIVE !== 'fleet') throw new Error(`--objective must be native or fleet, not ${args.objective}`);

const DIR = sharedFixture('benchmarks/vrptw/solomon');

interface Bks {
  instance: string;
  family: string;
  vehicles: number;
  distance: number;
  distVehicles: number;
  distDistance: number;
}

function readBks(): Bks[] {
  const [header, ...rows] = readFileSync(`${DIR}/solomon-bks.csv`, 'utf8').trim().split(/\r?\n/);
  const cols = header!.split(',');
  const at = (name: string): number => cols.indexOf(name);
  return rows.map((line) => {
    const f = line.split(',');
    return {
      instance: f[at('instance')]!,
      family: f[at('family')]!,
      vehicles: Number(f[at('bks_vehicles')]),
      distance: Number(f[at('bks_distance')]),
      distVehicles: Number(f[at('bks_dist_oriented_vehicles')]),
      distDistance: Number(f[at('bks_dist_oriented_distance')]),
    };
  });
}

/** Total Euclidean distance of the plan in double precision (the matrix holds rounded values). */
function planDistance(inst: SolomonInstance, solution: VroomSolution): number {
  const c = inst.customers;
  let total = 0;
  for (const route of solution.routes) {
    let prev = 0;
    for (const step of route.steps) {
      if (step.type !== 'job') continue;
      const at = step.location_index!;
      total += solomonDistance(c[prev]!, c[at]!);
      prev = at;
    }
    total += solomonDistance(c[prev]!, c[0]!);
  }
  return total;
}

interface Row {
  bks: Bks;
  vehicles: number;
  distance: number;
  feasible: boolean;
  gap: number;
  ms: number;
  iterations: number;
}

const pct = (x: number): string => `${x >= 0 ? ' ' : ''}${fmt(100 * x, 2)} %`;
const pad = (s: string | number, n: number): string => String(s).padStart(n);

function run(): void {
  const all = readBks();
  const wanted = args.instances?.split(',').map((s) => s.trim().toUpperCase());
  const list = wanted === undefined ? all : all.filter((b) => wanted.includes(b.instance));
  if (list.length === 0) throw new Error(`No instance matches ${args.instances}`);
  console.log(`vrptw: ${list.length} Solomon instances, objective ${OBJECTIVE}, budget ${BUDGET_MS} ms, seed ${SEED}`);
  const bksLabel = OBJECTIVE === 'native' ? 'BKS (dist.)' : 'BKS (hier.)';
  console.log(`${'instance'.padEnd(8)} ${pad('veh', 4)} ${pad('distance', 9)} ${pad(bksLabel, 16)} ${pad('gap', 8)} ${pad('feasible', 9)} ${pad('time', 7)} ${pad('iter/s', 7)}`);
  const rows: Row[] = [];
  for (const bks of list) {
    const inst = parseSolomon(readFileSync(`${DIR}/${bks.instance}.txt`, 'utf8'));
    const input = solomonToVroom(inst);
    const t0 = performance.now();
    const { output, stats } = solveVroomWithStats(input, { budgetMs: BUDGET_MS, seed: SEED, objective: OBJECTIVE });
    const ms = performance.now() - t0;
    const solution = expectVroomSolution(output);
    const violations = checkFeasibility(input, output);
    const feasible = violations.length === 0 && solution.unassigned.length === 0;
    const distance = planDistance(inst, solution);
    const vehicles = solution.routes.length;
    const ref = OBJECTIVE === 'native' ? bks.distDistance : bks.distance;
    const refVehicles = OBJECTIVE === 'native' ? bks.distVehicles : bks.vehicles;
    const gap = (distance - ref) / ref;
    rows.push({ bks, vehicles, distance, feasible, gap, ms, iterations: stats.iterations });
    const feas = feasible ? 'yes' : `NO (${violations.length}v/${solution.unassigned.length}u)`;
    console.log(
      `${bks.instance.padEnd(8)} ${pad(vehicles, 4)} ${pad(fmt(distance, 2), 9)} ${pad(`${refVehicles} / ${fmt(ref, 2)}`, 16)} ${pad(pct(gap), 8)} ${pad(feas, 9)} ${pad(fmt(ms / 1000, 2) + ' s', 7)} ${pad(fmt(stats.iterations / (ms / 1000)), 7)}`,
    );
    if (!feasible) for (const v of violations.slice(0, 3)) console.log(`    ${v.kind}: ${v.message}`);
  }

  const summarize = (label: string, group: Row[]): void => {
    const n = group.length;
    const mean = (f: (r: Row) => number): number => group.reduce((a, r) => a + f(r), 0) / n;
    const bksVeh = mean((r) => (OBJECTIVE === 'native' ? r.bks.distVehicles : r.bks.vehicles));
    const sameFleet = group.filter((r) => r.vehicles === r.bks.vehicles);
    const fleetGap = sameFleet.length === 0 ? NaN : sameFleet.reduce((a, r) => a + r.gap, 0) / sameFleet.length;
    console.log(
      `${label.padEnd(8)} n=${pad(n, 2)}  vehicles ${fmt(mean((r) => r.vehicles), 2)} (BKS ${fmt(bksVeh, 2)})  gap ${pct(mean((r) => r.gap))}` +
        (OBJECTIVE === 'fleet' ? `  gap at BKS fleet ${Number.isNaN(fleetGap) ? 'n/a' : pct(fleetGap)} (${sameFleet.length})` : '') +
        `  feasible ${group.filter((r) => r.feasible).length}/${n}  time ${fmt(mean((r) => r.ms) / 1000, 2)} s`,
    );
  };
  console.log('');
  for (const family of ['C1', 'C2', 'R1', 'R2', 'RC1', 'RC2']) {
    const group = rows.filter((r) => r.bks.family === family);
    if (group.length > 0) summarize(family, group);
  }
  summarize('all', rows);
  console.log(
    OBJECTIVE === 'native'
      ? 'bar (VROOM 1.15, 2 threads): gap 1.60 % in 2.5 s (-x 5), 4.38 % in 0.19 s (-x 0); target ≤ 2.0 % in ≤ 5 s, all feasible (stretch ≤ 1.6 %)'
      : 'bar (VROOM 1.15, 2 threads): 7.63 vehicles on average against 7.23 best-known',
  );
}

run();

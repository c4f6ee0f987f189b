import { indexLocations } from '../vroom/locations.js';
import type { VroomInput, VroomOutput, VroomSolution } from '../vroom/schema.js';
import { validateVroomInput } from '../vroom/validate.js';
import { bestInsertion, newInsertion, applyInsertion } from './insertion.js';
import { buildModel, ModelError, type MatricesByProfile, type Model } from './model.js';
import { toVroomSolution } from './output.js';
import { search, type SearchResult } from './search.js';
import { sequenceCost } from './sequence.js';
import { Solution, type ObjectiveKind } from './solution.js';

/**
 * The embedded solver's entry points, in VROOM's JSON terms: solveVroom (a whole plan, optionally warm-started
 * with routes to keep and leading legs that must not move) and insertOne (the cheapest place for one new task in
 * an existing plan, nothing else moved).
 */

/** A route as VROOM writes it; only `vehicle` and the steps' `type` and `id` are read. */
export interface RouteLike {
  vehicle: number;
  steps: ReadonlyArray<{ type: string; id?: number }>;
}

export interface SolveOptions {
  /** Time budget (ms). Default: the input's `options.l` (seconds), else 1000. */
  budgetMs?: number;
  /** Default 1. The same seed and `iterations` give the same plan on any machine. */
  seed?: number;
  /** 'native' (VROOM's: priorities, then assigned tasks, then cost) or 'fleet' (then fewest routes, then cost). */
  objective?: ObjectiveKind;
  /** Exact number of ruin-and-recreate iterations (the budget still caps the run). */
  iterations?: number;
  /** Matrices by profile for inputs without (or with partial) custom matrices, indexed as indexLocations(input). */
  matrices?: MatricesByProfile;
  /** Warm start: routes to start from (tasks that no longer fit are dropped from the end of their route). */
  initial?: readonly RouteLike[];
  /**
   * Per vehicle, tasks that must stay the first tasks of its route, in this order (the current leg, a job in
   * progress). Their time windows are treated as already met when the vehicle can no longer meet them.
   */
  fixed?: readonly RouteLike[];
  /** Called with each new best objective (tracing, benchmarks). */
  onBest?: Parameters<typeof search>[1]['onBest'];
}

/** Extra figures a benchmark wants besides the VROOM output. */
export interface SolveStats {
  iterations: number;
  result: SearchResult | null;
}

const DEFAULT_BUDGET_MS = 1000;

interface Prepared {
  m: Model;
  fixedLen: Int32Array;
  initial: Solution;
  loadingMs: number;
}

function prepare(raw: VroomInput, opts: SolveOptions, t0: number): Prepared | VroomOutput {
  const valid = validateVroomInput(raw);
  if (!valid.ok) return { code: valid.code, error: valid.error };
  const { input } = indexLocations(valid.input);
  let m: Model;
  try {
    m = buildModel(input, opts.matrices);
  } catch (err) {
    if (err instanceof ModelError) return { code: err.code, error: err.message };
    throw err;
  }
  const fixedLen = new Int32Array(m.nVehicles);
  const initial = new Solution(m);
  const problem = placeRoutes(m, initial, fixedLen, opts.initial ?? [], opts.fixed ?? []);
  if (problem !== null) return { code: 2, error: problem };
  return { m, fixedLen, initial, loadingMs: performance.now() - t0 };
}

/** Solves a VROOM problem with the embedded solver; returns VROOM's output (or its error output). */
export function solveVroom(input: VroomInput, opts: SolveOptions): VroomOutput {
  return solveVroomWithStats(input, opts).output;
}

export function solveVroomWithStats(input: VroomInput, opts: SolveOptions = {}): { output: VroomOutput; stats: SolveStats } {
  const t0 = performance.now();
  const prepared = prepare(input, opts, t0);
  if ('code' in prepared) return { output: prepared, stats: { iterations: 0, result: null } };
  const { m, fixedLen, initial, loadingMs } = prepared;
  const budgetMs = opts.budgetMs ?? (input.options?.l !== undefined ? input.options.l * 1000 : DEFAULT_BUDGET_MS);
  const t1 = performance.now();
  const result = search(m, {
    budgetMs: Math.max(0, budgetMs - loadingMs),
    seed: opts.seed ?? 1,
    objective: opts.objective ?? 'native',
    fixedLen,
    initial,
    ...(opts.iterations !== undefined ? { iterations: opts.iterations } : {}),
    ...(opts.onBest !== undefined ? { onBest: opts.onBest } : {}),
  });
  const output = toVroomSolution(m, result.best, { loading: loadingMs, solving: performance.now() - t1 });
  return { output, stats: { iterations: result.iterations, result } };
}

export type InsertOneResult =
  | {
      ok: true;
      /** Vehicle id and the job's index among that route's tasks (0-based). */
      vehicle: number;
      taskIndex: number;
      /** Objective cost added (travel, task time, and the fixed cost when the vehicle was unused). */
      costDelta: number;
      /** The whole plan with the job inserted. */
      output: VroomSolution;
    }
  | { ok: false; error: string; output?: VroomOutput };

/**
 * Smart assignment of one new task: the vehicle and position where job `jobId` (or the shipment whose pickup has
 * this id, when `type` is 'shipment') costs least, respecting skills, capacity, time windows, breaks and every
 * vehicle limit; nothing else in `current` moves, and no task goes before a vehicle's `fixed` prefix.
 */
export function insertOne(
  input: VroomInput, current: readonly RouteLike[], jobId: number,
  opts: Pick<SolveOptions, 'matrices' | 'fixed'> & { type?: 'job' | 'shipment' } = {},
): InsertOneResult {
  const t0 = performance.now();
  const prepared = prepare(input, { ...opts, initial: current }, t0);
  if ('code' in prepared) return { ok: false, error: 'error' in prepared ? prepared.error : 'unexpected output', output: prepared };
  const { m, fixedLen, initial: sol, loadingMs } = prepared;
  const node = findNode(m, opts.type === 'shipment' ? 'pickup' : 'job', jobId);
  if (node < 0) return { ok: false, error: `Unknown ${opts.type ?? 'job'} ${jobId}.` };
  if (sol.routeOf[node] !== -1) return { ok: false, error: `${opts.type ?? 'job'} ${jobId} is already planned.` };
  for (const r of current) {
    const v = vehicleIndex(m, r.vehicle);
    if (v >= 0 && !sameTasks(m, sol, v, r)) {
      return { ok: false, error: `The current route of vehicle ${r.vehicle} is not feasible as given.` };
    }
  }
  const ins = newInsertion();
  const seenGroup = new Uint8Array(m.nGroups);
  for (let v = 0; v < m.nVehicles; v++) {
    const r = sol.routes[v]!;
    if (r.len === 0) {
      if (seenGroup[m.vGroup[v]!] === 1 || m.compat[v * m.nNodes + node] === 0) continue;
      seenGroup[m.vGroup[v]!] = 1;
    }
    bestInsertion(m, r, node, fixedLen[v]!, ins, null, 0);
  }
  if (ins.vehicle < 0) return { ok: false, error: `No vehicle can take ${opts.type ?? 'job'} ${jobId} without breaking a constraint.` };
  const r = sol.routes[ins.vehicle]!;
  applyInsertion(m, r, node, ins);
  sol.sync(m, ins.vehicle);
  const output = toVroomSolution(m, sol, { loading: loadingMs, solving: performance.now() - t0 - loadingMs });
  return { ok: true, vehicle: m.vehicleId[ins.vehicle]!, taskIndex: ins.pos, costDelta: ins.delta, output };
}

function vehicleIndex(m: Model, id: number): number {
  for (let v = 0; v < m.nVehicles; v++) if (m.vehicleId[v] === id) return v;
  return -1;
}

const nodeIndex: WeakMap<Model, Map<string, number>> = new WeakMap();

function findNode(m: Model, type: string, id: number): number {
  let index = nodeIndex.get(m);
  if (index === undefined) {
    index = new Map();
    const names = ['job', 'pickup', 'delivery'];
    for (let n = 0; n < m.nNodes; n++) index.set(`${names[m.kind[n]!]}:${m.nodeId[n]}`, n);
    nodeIndex.set(m, index);
  }
  return index.get(`${type}:${id}`) ?? -1;
}

function taskNodes(m: Model, r: RouteLike): number[] | string {
  const out: number[] = [];
  for (const s of r.steps) {
    if (s.type !== 'job' && s.type !== 'pickup' && s.type !== 'delivery') continue;
    const n = s.id === undefined ? -1 : findNode(m, s.type, s.id);
    if (n < 0) return `Unknown ${s.type} ${String(s.id)} in the route of vehicle ${r.vehicle}.`;
    out.push(n);
  }
  return out;
}

function sameTasks(m: Model, sol: Solution, v: number, r: RouteLike): boolean {
  const nodes = taskNodes(m, r);
  if (typeof nodes === 'string') return false;
  const route = sol.routes[v]!;
  return nodes.length === route.len && nodes.every((n, i) => route.node[i + 1] === n);
}

/**
 * Puts the fixed prefixes and the warm-start routes into `sol`. A warm-start route that breaks a constraint loses
 * tasks from its end (a shipment's two steps together) until it fits; a fixed prefix that is already late gets its
 * windows' ends lifted. Returns an error message, or null.
 */
function placeRoutes(
  m: Model, sol: Solution, fixedLen: Int32Array, initial: readonly RouteLike[], fixed: readonly RouteLike[],
): string | null {
  const placed = new Uint8Array(m.nNodes);
  const prefix: number[][] = Array.from({ length: m.nVehicles }, () => []);
  for (const f of fixed) {
    const v = vehicleIndex(m, f.vehicle);
    if (v < 0) return `Unknown vehicle ${f.vehicle} in fixed routes.`;
    const nodes = taskNodes(m, f);
    if (typeof nodes === 'string') return nodes;
    for (const n of nodes) {
      if (placed[n] === 1) return `Task ${m.nodeId[n]} is fixed twice.`;
      placed[n] = 1;
      // The vehicle is committed to it whatever its skills.
      m.compat[v * m.nNodes + n] = 1;
    }
    prefix[v] = nodes;
    fixedLen[v] = nodes.length;
  }
  // A fixed shipment step without its partner in the prefix still needs the partner on the same route.
  for (let v = 0; v < m.nVehicles; v++) {
    for (const n of prefix[v]!) {
      const p = m.partner[n]!;
      if (p >= 0 && placed[p] === 0) {
        if (m.kind[n] === 2) return `Delivery ${m.nodeId[n]} is fixed without its pickup.`;
      }
    }
    if (prefix[v]!.length > 0 && sequenceCost(m, v, withPartners(m, prefix[v]!), countWithPartners(m, prefix[v]!)) < 0) {
      liftFixedWindows(m, prefix[v]!);
    }
  }
  const rest: number[][] = Array.from({ length: m.nVehicles }, () => []);
  for (const r of initial) {
    const v = vehicleIndex(m, r.vehicle);
    if (v < 0) return `Unknown vehicle ${r.vehicle} in initial routes.`;
    const nodes = taskNodes(m, r);
    if (typeof nodes === 'string') return nodes;
    for (const n of nodes) {
      if (placed[n] === 1) continue;
      placed[n] = 1;
      rest[v]!.push(n);
    }
  }
  for (let v = 0; v < m.nVehicles; v++) {
    const head = prefix[v]!;
    let tail = rest[v]!;
    // A fixed pickup's delivery must follow on this route.
    for (const n of head) {
      const p = m.partner[n]!;
      if (p >= 0 && m.kind[n] === 1 && !head.includes(p) && !tail.includes(p)) {
        for (const other of rest) {
          const i = other.indexOf(p);
          if (i >= 0) other.splice(i, 1);
        }
        tail = [...tail, p];
        rest[v] = tail;
        placed[p] = 1;
      }
    }
    const seq = [-1, ...head, ...tail];
    while (seq.length - 1 > head.length && sequenceCost(m, v, seq, seq.length - 1) < 0) {
      const n = seq.pop()!;
      const p = m.partner[n]!;
      if (p >= 0) {
        const i = seq.indexOf(p);
        if (i > head.length) seq.splice(i, 1);
      }
    }
    sol.routes[v]!.setNodes(seq, 1, seq.length, m);
    sol.sync(m, v);
  }
  return null;
}

function withPartners(m: Model, nodes: number[]): number[] {
  const seq = [-1, ...nodes];
  for (const n of nodes) if (m.kind[n] === 1 && !nodes.includes(m.partner[n]!)) seq.push(m.partner[n]!);
  return seq;
}

function countWithPartners(m: Model, nodes: number[]): number {
  return withPartners(m, nodes).length - 1;
}

function liftFixedWindows(m: Model, nodes: readonly number[]): void {
  for (const n of nodes) {
    const first = m.twFirst[n]!;
    for (let w = first; w < first + m.twCount[n]!; w++) m.twClose[w] = Infinity;
  }
}

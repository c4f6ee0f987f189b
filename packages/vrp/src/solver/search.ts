import type { Model } from './model.js';
import { constructRegret, newRecreateContext, recreate, sortUnits, type RecreateContext } from './recreate.js';
import { Rng } from './rng.js';
import { DEFAULT_SISR, newRuinBuffers, ruinRandom, ruinRoute, ruinStrings, type RuinBuffers, type SisrParams } from './ruin.js';
import { compareRank, copyObjective, isBetter, newObjective, Solution, type Objective, type ObjectiveKind } from './solution.js';
import { localSearch } from './local-search.js';

/**
 * The search: a construction (regret-2, or the caller's warm start completed by it) polished by local search, then
 * ruin-and-recreate under simulated annealing until the time budget (or iteration count) runs out, and a final
 * local search of the best solution. Ruin is SISR's string removal (Christiaens & Vanden Berghe 2020), with an
 * occasional random removal; recreate is greedy insertion with blinks. For the fleet-minimising objective a first
 * phase eliminates routes (SISR's fleet minimisation): it empties a small route and repairs the rest with no new
 * route allowed, ruining around the tasks left out and inserting the most often absent first, until every task is
 * back (one route fewer) or its budget share is spent.
 */

export interface SearchOptions {
  budgetMs: number;
  seed: number;
  objective: ObjectiveKind;
  /** Exact number of ruin-and-recreate iterations (deterministic whatever the machine); the budget still caps it. */
  iterations?: number;
  /** Per vehicle: tasks at the start of its route that must not move (warm start). */
  fixedLen: Int32Array;
  /** Start from this solution (warm start) instead of constructing one. */
  initial?: Solution;
  sisr?: Partial<SisrParams>;
  /** Annealing temperatures as a fraction of the mean arc cost. */
  tempStart?: number;
  tempEnd?: number;
  /** Share of the budget for route elimination under the fleet objective. */
  fleetShare?: number;
  /** Iterations without fewer unassigned tasks before route elimination tries another route. */
  eliminationPatience?: number;
  /** Called with each new best solution (for tracing). */
  onBest?: (obj: Objective, elapsedMs: number) => void;
}

export interface SearchResult {
  best: Solution;
  objective: Objective;
  iterations: number;
  elapsedMs: number;
}

interface Engine {
  m: Model;
  rng: Rng;
  ctx: RecreateContext;
  buf: RuinBuffers;
  units: Int32Array;
  fixedLen: Int32Array;
  sisr: SisrParams;
  kind: ObjectiveKind;
}

/**
 * Ruins `sol` (strings, or now and then random tasks), then reinserts the ruined and all unassigned units. With
 * `aroundUnassigned`, the strings are taken near a random unassigned task when there is one.
 */
function ruinAndRecreate(e: Engine, sol: Solution, aroundUnassigned = false): void {
  const { m, rng, buf, ctx } = e;
  let seed = -1;
  if (aroundUnassigned) {
    const count = unitsUnassigned(m, sol, e.units);
    if (count > 0) seed = e.units[rng.int(count)]!;
  }
  if (seed < 0 && rng.next() < 0.1) {
    const count = 1 + rng.int(Math.max(1, Math.min(2 * e.sisr.avgRemoved, m.nNodes)));
    ruinRandom(m, sol, rng, count, e.fixedLen, buf);
  } else {
    ruinStrings(m, sol, rng, e.sisr, e.fixedLen, buf, seed);
  }
  let count = 0;
  for (let i = 0; i < buf.count; i++) e.units[count++] = buf.out[i]!;
  for (let n = 0; n < m.nNodes; n++) {
    if (sol.routeOf[n] === -1 && m.kind[n] !== 2 && !containsFrom(buf.out, buf.count, n)) e.units[count++] = n;
  }
  ctx.stamp = buf.stamp;
  sortUnits(ctx, e.units, count);
  recreate(ctx, sol, e.units, count);
}

function containsFrom(a: Int32Array, count: number, x: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] === x) return true;
  return false;
}

/** Copies the routes touched in this iteration (stamp) from `from` to `to`. */
function copyTouched(e: Engine, to: Solution, from: Solution): void {
  const { buf } = e;
  for (let v = 0; v < e.m.nVehicles; v++) if (buf.touched[v] === buf.stamp) to.copyRouteFrom(from, v);
}

function unitsUnassigned(m: Model, sol: Solution, out: Int32Array): number {
  let count = 0;
  for (let n = 0; n < m.nNodes; n++) if (sol.routeOf[n] === -1 && m.kind[n] !== 2) out[count++] = n;
  return count;
}

export function search(m: Model, opts: SearchOptions): SearchResult {
  const t0 = performance.now();
  const rng = new Rng(opts.seed);
  const buf = newRuinBuffers(m);
  const fixedLen = opts.fixedLen;
  const ctx = newRecreateContext(m, rng, fixedLen, buf.touched);
  const sisr = { ...DEFAULT_SISR, ...opts.sisr };
  const kind = opts.objective;
  ctx.newRoutes = kind === 'fleet' ? 'last' : 'cost';
  const e: Engine = { m, rng, ctx, buf, units: new Int32Array(m.nNodes), fixedLen, sisr, kind };
  const budget = opts.budgetMs;
  const maxIter = opts.iterations ?? Infinity;
  const elapsed = (): number => performance.now() - t0;
  // Progress in [0, 1]: by iterations when they are given (deterministic), else by time.
  const progress = (iter: number): number => (maxIter < Infinity ? iter / maxIter : elapsed() / budget);

  const cur = new Solution(m);
  if (opts.initial !== undefined) cur.copyFrom(opts.initial);
  buf.stamp++;
  ctx.stamp = buf.stamp;
  const count = unitsUnassigned(m, cur, e.units);
  constructRegret(ctx, cur, e.units, count);
  // With an iteration count the run must not depend on the clock, so the local search gets no deadline then.
  const deadline = maxIter < Infinity ? Infinity : t0 + budget;
  localSearch(m, cur, fixedLen, deadline);

  const best = new Solution(m);
  best.copyFrom(cur);
  const curObj = cur.evaluate(m, newObjective());
  const bestObj = newObjective();
  copyObjective(bestObj, curObj);
  const candObj = newObjective();
  const cand = new Solution(m);
  cand.copyFrom(cur);
  let iter = 0;

  if (kind === 'fleet') iter = eliminateRoutes(e, best, bestObj, opts, t0, maxIter);
  if (kind === 'fleet') {
    cur.copyFrom(best);
    cand.copyFrom(best);
    copyObjective(curObj, bestObj);
  }

  const tStart = (opts.tempStart ?? 0.3) * m.meanArcCost;
  const tEnd = (opts.tempEnd ?? 0.005) * m.meanArcCost;
  const startProgress = progress(iter);
  // The clock is read every iteration: ~50 ns against ~50 µs for a ruin-and-recreate. The last 2 % of the budget
  // is left to the final local search.
  const stopAt = maxIter < Infinity ? budget : budget * 0.98;
  // Under a time budget a small problem stops once its best has not moved for long (VROOM answers those in
  // milliseconds); an iteration count always runs to the end.
  let movable = 0;
  for (let v = 0; v < m.nVehicles; v++) movable -= fixedLen[v]!;
  movable += m.nNodes;
  const idleLimit = maxIter < Infinity ? Infinity : movable === 0 ? 0 : 2000 * movable;
  let lastBest = iter;
  for (; iter < maxIter; iter++) {
    const p = progress(iter);
    if (p >= 1 || elapsed() >= stopAt || iter - lastBest > idleLimit) break;
    const frac = startProgress >= 1 ? 1 : (p - startProgress) / (1 - startProgress);
    const temperature = tStart * Math.pow(tEnd / tStart, frac);
    ruinAndRecreate(e, cand);
    cand.evaluate(m, candObj);
    const rank = compareRank(candObj, curObj, kind);
    const accept = rank < 0 || (rank === 0 && candObj.cost < curObj.cost - temperature * Math.log(rng.next()));
    if (accept) {
      copyTouched(e, cur, cand);
      copyObjective(curObj, candObj);
      if (isBetter(curObj, bestObj, kind)) {
        best.copyFrom(cur);
        copyObjective(bestObj, curObj);
        lastBest = iter;
        opts.onBest?.(bestObj, elapsed());
      }
    } else {
      copyTouched(e, cand, cur);
    }
  }
  if (localSearch(m, best, fixedLen, deadline)) best.evaluate(m, bestObj);
  return { best, objective: bestObj, iterations: iter, elapsedMs: elapsed() };
}

/**
 * SISR's fleet minimisation: take the best solution, empty its smallest route, and run ruin-and-recreate with no
 * new route allowed, accepting a repair that leaves fewer tasks out, or as many whose absence counts sum lower.
 * When every task is back in, that is the new best with one route fewer; try the next.
 */
function eliminateRoutes(e: Engine, best: Solution, bestObj: Objective, opts: SearchOptions, t0: number, maxIter: number): number {
  const { m, buf, ctx } = e;
  const share = opts.fleetShare ?? 0.6;
  const budget = opts.budgetMs * share;
  const iterCap = maxIter < Infinity ? Math.floor(maxIter * share) : Infinity;
  const absences = new Int32Array(m.nNodes);
  const work = new Solution(m);
  const cand = new Solution(m);
  const workObj = newObjective();
  const candObj = newObjective();
  let iter = 0;
  const absenceSum = (sol: Solution): number => {
    let s = 0;
    for (let n = 0; n < m.nNodes; n++) if (sol.routeOf[n] === -1) s += absences[n]!;
    return s;
  };
  const patience = opts.eliminationPatience ?? 4000;
  // As in the main loop: under a time budget, a small problem gives up after long enough without a route fewer.
  const idleLimit = maxIter < Infinity ? Infinity : 2000 * m.nNodes;
  let lastSuccess = 0;
  let attempt = 0;
  const order: number[] = [];
  ctx.absences = absences;
  outer: while (iter < iterCap && performance.now() - t0 < budget && iter - lastSuccess <= idleLimit) {
    if (bestObj.unassigned > 0 || bestObj.routes <= 1) break;
    work.copyFrom(best);
    // Smallest route first; each stalled attempt moves on to the next smallest.
    order.length = 0;
    for (let v = 0; v < m.nVehicles; v++) if (work.routes[v]!.len > e.fixedLen[v]!) order.push(v);
    if (order.length === 0) break;
    order.sort((a, b) => work.routes[a]!.len - work.routes[b]!.len || a - b);
    ruinRoute(m, work, order[attempt % order.length]!, e.fixedLen, buf);
    ctx.maxRoutes = bestObj.routes - 1;
    work.evaluate(m, workObj);
    cand.copyFrom(work);
    let lastGain = iter;
    for (; iter < iterCap && performance.now() - t0 < budget; iter++) {
      if (iter - lastGain > patience || iter - lastSuccess > idleLimit) {
        attempt++;
        continue outer;
      }
      ruinAndRecreate(e, cand, true);
      cand.evaluate(m, candObj);
      for (let n = 0; n < m.nNodes; n++) if (cand.routeOf[n] === -1) absences[n]!++;
      const candAbs = absenceSum(cand);
      const workAbs = absenceSum(work);
      if (candObj.unassigned < workObj.unassigned || (candObj.unassigned === workObj.unassigned && candAbs <= workAbs)) {
        if (candObj.unassigned < workObj.unassigned) lastGain = iter;
        copyTouched(e, work, cand);
        copyObjective(workObj, candObj);
        if (workObj.unassigned === 0) {
          best.copyFrom(work);
          copyObjective(bestObj, workObj);
          opts.onBest?.(bestObj, performance.now() - t0);
          iter++;
          lastSuccess = iter;
          attempt = 0;
          continue outer;
        }
      } else {
        copyTouched(e, cand, work);
      }
    }
  }
  ctx.maxRoutes = m.nVehicles;
  ctx.absences = null;
  return iter;
}

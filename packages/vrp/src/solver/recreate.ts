import { applyInsertion, bestInsertion, newInsertion, resetInsertion, type Insertion } from './insertion.js';
import type { Model } from './model.js';
import type { Rng } from './rng.js';
import type { Solution } from './solution.js';

/**
 * Recreate: greedy insertion with blinks (SISR), units taken in one of several orders, each put where it costs
 * least; and the regret-2 construction used for a first solution.
 */

/**
 * 'cost': an unused vehicle is a candidate like any route, priced with its fixed cost and the round trip (VROOM's
 * native objective). 'last': an unused vehicle is opened only for a task no used route can take (fleet-minimising).
 */
export type NewRouteMode = 'cost' | 'last';

export interface RecreateContext {
  readonly m: Model;
  readonly rng: Rng;
  readonly fixedLen: Int32Array;
  /** Vehicles whose route changed since the stamp was set (shared with the ruin buffers). */
  readonly touched: Int32Array;
  stamp: number;
  newRoutes: NewRouteMode;
  /** No insertion may bring the number of used routes above this. */
  maxRoutes: number;
  blink: number;
  readonly ins: Insertion;
  readonly groupSeen: Int32Array;
  groupStamp: number;
  /** Sort keys per unit: size (sum of amounts), distance from the depot, window width, window end. */
  readonly size: Float64Array;
  readonly far: Float64Array;
  readonly twWidth: Float64Array;
  readonly twEnd: Float64Array;
  readonly key: Float64Array;
  /** During route elimination: how often each task was left out; the most absent go first. */
  absences: Int32Array | null;
}

export function newRecreateContext(m: Model, rng: Rng, fixedLen: Int32Array, touched: Int32Array): RecreateContext {
  const size = new Float64Array(m.nNodes);
  const far = new Float64Array(m.nNodes);
  const twWidth = new Float64Array(m.nNodes);
  const twEnd = new Float64Array(m.nNodes);
  const C = m.classes[m.vClass[0]!]!.cost;
  const depot = m.vStart[0]! === m.virtualLoc ? m.vEnd[0]! : m.vStart[0]!;
  const horizonStart = Math.min(...m.vTwStart);
  const horizonEnd = Math.max(...m.vTwEnd);
  for (let n = 0; n < m.nNodes; n++) {
    for (let d = 0; d < m.dims; d++) size[n] = size[n]! + m.initLoad[n * m.dims + d]! + Math.abs(m.deltaLoad[n * m.dims + d]!);
    far[n] = C[depot * m.stride + m.loc[n]!]! + C[m.loc[n]! * m.stride + depot]!;
    let width = 0;
    const first = m.twFirst[n]!;
    for (let w = first; w < first + m.twCount[n]!; w++) {
      width += Math.min(m.twClose[w]!, horizonEnd) - Math.max(m.twOpen[w]!, horizonStart);
    }
    twWidth[n] = width;
    twEnd[n] = Math.min(m.twClose[first + m.twCount[n]! - 1]!, horizonEnd);
    const p = m.partner[n]!;
    if (p >= 0 && m.kind[n] === 1) {
      // A shipment is ranked by its tighter end.
      twWidth[n] = Math.min(twWidth[n]!, windowWidth(m, p, horizonStart, horizonEnd));
      far[n] = Math.max(far[n]!, C[depot * m.stride + m.loc[p]!]! + C[m.loc[p]! * m.stride + depot]!);
    }
  }
  return {
    m, rng, fixedLen, touched, stamp: 0, newRoutes: 'cost', maxRoutes: m.nVehicles, blink: 0.01, ins: newInsertion(),
    groupSeen: new Int32Array(m.nGroups), groupStamp: 0, size, far, twWidth, twEnd, key: new Float64Array(m.nNodes),
    absences: null,
  };
}

function windowWidth(m: Model, n: number, lo: number, hi: number): number {
  let width = 0;
  const first = m.twFirst[n]!;
  for (let w = first; w < first + m.twCount[n]!; w++) width += Math.min(m.twClose[w]!, hi) - Math.max(m.twOpen[w]!, lo);
  return width;
}

/** Whether unit a goes before unit b: higher priority, then (route elimination) more often absent, then key. */
function before(ctx: RecreateContext, a: number, b: number): boolean {
  const m = ctx.m;
  if (m.priority[a] !== m.priority[b]) return m.priority[a]! > m.priority[b]!;
  const abs = ctx.absences;
  if (abs !== null && abs[a] !== abs[b]) return abs[a]! > abs[b]!;
  return ctx.key[a]! < ctx.key[b]!;
}

/**
 * Sorts units by priority (high first), then by a randomly chosen order: SISR's random, largest amount, farthest,
 * closest (weights 4:4:2:1) plus narrowest window and earliest deadline (2:1).
 */
export function sortUnits(ctx: RecreateContext, units: Int32Array, count: number): void {
  const { rng, key } = ctx;
  const pick = rng.int(14);
  if (pick < 4) rng.shuffle(units, count);
  for (let i = 0; i < count; i++) {
    const u = units[i]!;
    if (pick < 4) key[u] = i;
    else if (pick < 8) key[u] = -ctx.size[u]!;
    else if (pick < 10) key[u] = -ctx.far[u]!;
    else if (pick < 11) key[u] = ctx.far[u]!;
    else if (pick < 13) key[u] = ctx.twWidth[u]!;
    else key[u] = ctx.twEnd[u]!;
  }
  // Insertion sort: a ruin removes a few dozen units at most.
  for (let i = 1; i < count; i++) {
    const u = units[i]!;
    let j = i - 1;
    while (j >= 0 && before(ctx, u, units[j]!)) {
      units[j + 1] = units[j]!;
      j--;
    }
    units[j + 1] = u;
  }
}

function usedRoutes(sol: Solution): number {
  let used = 0;
  for (const r of sol.routes) if (r.len > 0) used++;
  return used;
}

/** Best position of unit u over used routes and (per `ctx.newRoutes`) one unused vehicle of each group. */
export function findBestInsertion(ctx: RecreateContext, sol: Solution, u: number, used: number): Insertion {
  const { m, ins, rng, fixedLen } = ctx;
  resetInsertion(ins);
  for (let v = 0; v < m.nVehicles; v++) {
    const r = sol.routes[v]!;
    if (r.len === 0) continue;
    bestInsertion(m, r, u, fixedLen[v]!, ins, rng, ctx.blink);
  }
  if (used >= ctx.maxRoutes || (ctx.newRoutes === 'last' && ins.vehicle >= 0)) return ins;
  ctx.groupStamp++;
  for (let v = 0; v < m.nVehicles; v++) {
    const r = sol.routes[v]!;
    if (r.len !== 0) continue;
    const g = m.vGroup[v]!;
    if (ctx.groupSeen[g] === ctx.groupStamp) continue;
    if (m.compat[v * m.nNodes + u] === 0) continue;
    ctx.groupSeen[g] = ctx.groupStamp;
    bestInsertion(m, r, u, 0, ins, null, 0);
  }
  return ins;
}

/** Inserts the units greedily in the order given; the ones no route can take stay unassigned. */
export function recreate(ctx: RecreateContext, sol: Solution, units: Int32Array, count: number): void {
  const m = ctx.m;
  let used = usedRoutes(sol);
  for (let i = 0; i < count; i++) {
    const u = units[i]!;
    const ins = findBestInsertion(ctx, sol, u, used);
    if (ins.vehicle < 0) continue;
    const r = sol.routes[ins.vehicle]!;
    if (r.len === 0) used++;
    applyInsertion(m, r, u, ins);
    sol.sync(m, ins.vehicle);
    ctx.touched[ins.vehicle] = ctx.stamp;
  }
}

/**
 * Regret-2 construction: repeatedly inserts the unit whose best and second-best routes differ most (it has the
 * most to lose by waiting), each unit's best insertion per route cached and refreshed only for the route that
 * changed. Unused vehicles count as one candidate per group.
 */
export function constructRegret(ctx: RecreateContext, sol: Solution, units: Int32Array, count: number): void {
  const m = ctx.m;
  const nV = m.nVehicles;
  const savedBlink = ctx.blink;
  ctx.blink = 0;
  const delta = new Float64Array(count * nV).fill(Infinity);
  const pos = new Int32Array(count * nV);
  const pos2 = new Int32Array(count * nV);
  const done = new Uint8Array(count);
  const ins = newInsertion();
  const evaluate = (i: number, v: number): void => {
    resetInsertion(ins);
    bestInsertion(m, sol.routes[v]!, units[i]!, ctx.fixedLen[v]!, ins, null, 0);
    delta[i * nV + v] = ins.delta;
    pos[i * nV + v] = ins.pos;
    pos2[i * nV + v] = ins.pos2;
  };
  for (let i = 0; i < count; i++) for (let v = 0; v < nV; v++) evaluate(i, v);
  const groupSeen = new Int32Array(m.nGroups);
  let stamp = 0;
  let used = usedRoutes(sol);
  for (let left = count; left > 0; left--) {
    let pickI = -1;
    let pickV = -1;
    let pickRegret = -Infinity;
    let pickCost = Infinity;
    let anyExisting = false;
    for (let pass = 0; pass < 2 && pickI < 0; pass++) {
      // Fleet-minimising construction looks at used routes first and opens a vehicle only when nothing fits.
      const allowNew = used < ctx.maxRoutes && (ctx.newRoutes === 'cost' || pass === 1);
      for (let i = 0; i < count; i++) {
        if (done[i]) continue;
        stamp++;
        let b1 = Infinity;
        let b2 = Infinity;
        let bv = -1;
        for (let v = 0; v < nV; v++) {
          const r = sol.routes[v]!;
          if (r.len === 0) {
            if (!allowNew) continue;
            const g = m.vGroup[v]!;
            if (groupSeen[g] === stamp) continue;
            groupSeen[g] = stamp;
          }
          const d = delta[i * nV + v]!;
          if (d < b1) {
            b2 = b1;
            b1 = d;
            bv = v;
          } else if (d < b2) b2 = d;
        }
        if (bv < 0 || b1 === Infinity) continue;
        anyExisting = true;
        // Priority first: a higher-priority unit always goes before a lower one.
        const regret = (b2 === Infinity ? 1e12 : b2 - b1) + m.priority[units[i]!]! * 1e15;
        if (regret > pickRegret || (regret === pickRegret && b1 < pickCost)) {
          pickRegret = regret;
          pickCost = b1;
          pickI = i;
          pickV = bv;
        }
      }
      if (ctx.newRoutes === 'cost') break;
    }
    if (!anyExisting || pickI < 0) break;
    const u = units[pickI]!;
    const r = sol.routes[pickV]!;
    if (r.len === 0) used++;
    ins.delta = delta[pickI * nV + pickV]!;
    ins.vehicle = pickV;
    ins.pos = pos[pickI * nV + pickV]!;
    ins.pos2 = pos2[pickI * nV + pickV]!;
    applyInsertion(m, r, u, ins);
    sol.sync(m, pickV);
    ctx.touched[pickV] = ctx.stamp;
    done[pickI] = 1;
    for (let i = 0; i < count; i++) if (!done[i]) evaluate(i, pickV);
  }
  ctx.blink = savedBlink;
}

import type { Model } from './model.js';
import type { Route } from './route.js';
import { sequenceCost } from './sequence.js';
import type { Solution } from './solution.js';

/**
 * First-improvement local search over granular neighbourhoods (each task u is tried next to one of its nearest
 * tasks w): relocate of a string of 1–3 tasks (or-opt, within or between routes), exchange of u with w or a
 * neighbour of w, 2-opt* (u's route continues with w's tail and vice versa) and cross-exchange of strings of up to 3
 * tasks. A move's cost delta comes from the arcs it changes (same vehicle class) and only improving moves are
 * checked, route by route, with sequenceCost (every constraint, exact cost). Shipment tasks only move within their
 * route (ruin-and-recreate moves them as pairs). Fixed prefixes stay put.
 */

const NEIGHBOURS = 24;
const MAX_STRING = 3;
const EPS = 1e-7;

interface Scratch {
  a: Int32Array;
  b: Int32Array;
}

let scratch: Scratch | null = null;

function buffers(m: Model): Scratch {
  if (scratch === null || scratch.a.length < m.nNodes + 2) {
    scratch = { a: new Int32Array(m.nNodes + 2), b: new Int32Array(m.nNodes + 2) };
  }
  return scratch;
}

/** Copies route positions [from, to] into out starting at index `at`; returns the next index. */
function put(out: Int32Array, at: number, r: Route, from: number, to: number): number {
  for (let k = from; k <= to; k++) out[at++] = r.node[k]!;
  return at;
}

function hasShipment(m: Model, r: Route, from: number, to: number): boolean {
  for (let k = from; k <= to; k++) if (m.partner[r.node[k]!]! >= 0) return true;
  return false;
}

/** Same arc costs and end for both vehicles: the O(1) delta filter is exact. */
function sameCosts(m: Model, va: number, vb: number): boolean {
  return m.vClass[va] === m.vClass[vb] && m.vTaskCostRate[va] === 0 && m.vTaskCostRate[vb] === 0 && m.vEnd[va] === m.vEnd[vb];
}

interface Ctx {
  m: Model;
  sol: Solution;
  fixedLen: Int32Array;
  s: Scratch;
}

/** Evaluates new sequences for routes va (and vb, unless −1); applies them when the cost drops. */
function tryApply(c: Ctx, va: number, lenA: number, vb: number, lenB: number): boolean {
  const { m, sol, s } = c;
  const ra = sol.routes[va]!;
  const costA = sequenceCost(m, va, s.a, lenA);
  if (costA < 0) return false;
  let costB = 0;
  let before = ra.cost;
  if (vb >= 0) {
    const rb = sol.routes[vb]!;
    costB = sequenceCost(m, vb, s.b, lenB);
    if (costB < 0) return false;
    before += rb.cost;
  }
  if (costA + costB >= before - EPS * Math.max(1, before)) return false;
  ra.setNodes(s.a, 1, lenA + 1, m);
  sol.sync(m, va);
  if (vb >= 0) {
    sol.routes[vb]!.setNodes(s.b, 1, lenB + 1, m);
    sol.sync(m, vb);
  }
  return true;
}

/** Moves A[i..i+L-1] to after position p of route B (B may be A). */
function relocate(c: Ctx, va: number, i: number, L: number, vb: number, p: number): boolean {
  const { m, sol, s } = c;
  const A = sol.routes[va]!;
  const B = sol.routes[vb]!;
  const last = i + L - 1;
  if (va === vb) {
    if (p >= i - 1 && p <= last) return false;
    const C = m.classes[m.vClass[va]!]!.cost;
    const S = m.stride;
    const loc = A.loc;
    const delta =
      C[loc[i - 1]! * S + loc[last + 1]!]! - C[loc[i - 1]! * S + loc[i]!]! - C[loc[last]! * S + loc[last + 1]!]! +
      C[loc[p]! * S + loc[i]!]! + C[loc[last]! * S + loc[p + 1]!]! - C[loc[p]! * S + loc[p + 1]!]!;
    if (m.vTaskCostRate[va] === 0 && delta >= -EPS) return false;
    let k = 1;
    if (p < i) {
      k = put(s.a, k, A, 1, p);
      k = put(s.a, k, A, i, last);
      k = put(s.a, k, A, p + 1, i - 1);
      k = put(s.a, k, A, last + 1, A.len);
    } else {
      k = put(s.a, k, A, 1, i - 1);
      k = put(s.a, k, A, last + 1, p);
      k = put(s.a, k, A, i, last);
      k = put(s.a, k, A, p + 1, A.len);
    }
    return tryApply(c, va, k - 1, -1, 0);
  }
  if (hasShipment(m, A, i, last)) return false;
  if (sameCosts(m, va, vb)) {
    const C = m.classes[m.vClass[va]!]!.cost;
    const S = m.stride;
    const la = A.loc;
    const lb = B.loc;
    let delta =
      C[la[i - 1]! * S + la[last + 1]!]! - C[la[i - 1]! * S + la[i]!]! - C[la[last]! * S + la[last + 1]!]! +
      C[lb[p]! * S + la[i]!]! + C[la[last]! * S + lb[p + 1]!]! - C[lb[p]! * S + lb[p + 1]!]!;
    if (L === A.len) delta -= m.vFixed[va]! + C[la[0]! * S + la[last + 1]!]!;
    if (delta >= -EPS) return false;
  }
  let ka = 1;
  ka = put(s.a, ka, A, 1, i - 1);
  ka = put(s.a, ka, A, last + 1, A.len);
  let kb = 1;
  kb = put(s.b, kb, B, 1, p);
  kb = put(s.b, kb, A, i, last);
  kb = put(s.b, kb, B, p + 1, B.len);
  return tryApply(c, va, ka - 1, vb, kb - 1);
}

/** Exchanges A[i..i+La-1] and B[j..j+Lb-1] (La = Lb = 1: a swap). */
function cross(c: Ctx, va: number, i: number, La: number, vb: number, j: number, Lb: number): boolean {
  const { m, sol, s } = c;
  const A = sol.routes[va]!;
  const B = sol.routes[vb]!;
  const ea = i + La - 1;
  const eb = j + Lb - 1;
  if (hasShipment(m, A, i, ea) || hasShipment(m, B, j, eb)) return false;
  if (sameCosts(m, va, vb)) {
    const C = m.classes[m.vClass[va]!]!.cost;
    const S = m.stride;
    const la = A.loc;
    const lb = B.loc;
    const delta =
      C[la[i - 1]! * S + lb[j]!]! + C[lb[eb]! * S + la[ea + 1]!]! - C[la[i - 1]! * S + la[i]!]! - C[la[ea]! * S + la[ea + 1]!]! +
      C[lb[j - 1]! * S + la[i]!]! + C[la[ea]! * S + lb[eb + 1]!]! - C[lb[j - 1]! * S + lb[j]!]! - C[lb[eb]! * S + lb[eb + 1]!]!;
    if (delta >= -EPS) return false;
  }
  let ka = 1;
  ka = put(s.a, ka, A, 1, i - 1);
  ka = put(s.a, ka, B, j, eb);
  ka = put(s.a, ka, A, ea + 1, A.len);
  let kb = 1;
  kb = put(s.b, kb, B, 1, j - 1);
  kb = put(s.b, kb, A, i, ea);
  kb = put(s.b, kb, B, eb + 1, B.len);
  return tryApply(c, va, ka - 1, vb, kb - 1);
}

/** 2-opt*: A keeps A[1..i] then B[j..]; B keeps B[1..j-1] then A[i+1..]. */
function twoOptStar(c: Ctx, va: number, i: number, vb: number, j: number): boolean {
  const { m, sol, s } = c;
  const A = sol.routes[va]!;
  const B = sol.routes[vb]!;
  // A shipment must not straddle either cut.
  if (A.open[i] !== 0 || B.open[j - 1] !== 0) return false;
  if (sameCosts(m, va, vb)) {
    const C = m.classes[m.vClass[va]!]!.cost;
    const S = m.stride;
    const la = A.loc;
    const lb = B.loc;
    let delta = C[la[i]! * S + lb[j]!]! + C[lb[j - 1]! * S + la[i + 1]!]! - C[la[i]! * S + la[i + 1]!]! - C[lb[j - 1]! * S + lb[j]!]!;
    if (j === 1 && i === A.len) delta -= m.vFixed[vb]! + C[lb[0]! * S + la[i + 1]!]!;
    if (delta >= -EPS) return false;
  }
  let ka = 1;
  ka = put(s.a, ka, A, 1, i);
  ka = put(s.a, ka, B, j, B.len);
  let kb = 1;
  kb = put(s.b, kb, B, 1, j - 1);
  kb = put(s.b, kb, A, i + 1, A.len);
  return tryApply(c, va, ka - 1, vb, kb - 1);
}

/** Tries the moves that put u next to w; true when one was applied. */
function improveAround(c: Ctx, u: number, w: number): boolean {
  const { m, sol, fixedLen } = c;
  const va = sol.routeOf[u]!;
  const vb = sol.routeOf[w]!;
  if (va < 0 || vb < 0) return false;
  const i = sol.posOf[u]!;
  const j = sol.posOf[w]!;
  const A = sol.routes[va]!;
  const B = sol.routes[vb]!;
  const fa = fixedLen[va]!;
  const fb = fixedLen[vb]!;
  if (i <= fa) return false;
  for (let L = 1; L <= MAX_STRING && i + L - 1 <= A.len; L++) {
    if (j >= fb && relocate(c, va, i, L, vb, j)) return true;
    if (j - 1 >= fb && relocate(c, va, i, L, vb, j - 1)) return true;
  }
  if (va === vb) return false;
  if (j > fb) {
    if (cross(c, va, i, 1, vb, j, 1)) return true;
  }
  if (j + 1 <= B.len && j + 1 > fb && cross(c, va, i, 1, vb, j + 1, 1)) return true;
  if (j - 1 > fb && cross(c, va, i, 1, vb, j - 1, 1)) return true;
  if (j - 1 >= fb && twoOptStar(c, va, i, vb, j)) return true;
  // Cross-exchange: u's successors A[i+1..] for B's string starting at w, so that u is followed by w.
  if (j > fb) {
    for (let La = 1; La <= MAX_STRING && i + La <= A.len; La++) {
      for (let Lb = 1; Lb <= MAX_STRING && j + Lb - 1 <= B.len; Lb++) {
        if (La === 1 && Lb === 1) continue;
        if (cross(c, va, i + 1, La, vb, j, Lb)) return true;
      }
    }
  }
  return false;
}

/** Runs until no move improves (or `deadline`, a performance.now() value, passes). True when anything changed. */
export function localSearch(m: Model, sol: Solution, fixedLen: Int32Array, deadline = Infinity): boolean {
  const c: Ctx = { m, sol, fixedLen, s: buffers(m) };
  const K = Math.min(NEIGHBOURS, m.nNeighbours);
  let any = false;
  for (let pass = 0; pass < 50; pass++) {
    let improved = false;
    for (let u = 0; u < m.nNodes; u++) {
      if (sol.routeOf[u] === -1) continue;
      for (let k = 0; k < K; k++) {
        if (improveAround(c, u, m.neighbours[u * m.nNeighbours + k]!)) {
          improved = true;
          break;
        }
      }
      if ((u & 63) === 0 && performance.now() > deadline) return any || improved;
    }
    any ||= improved;
    if (!improved) break;
  }
  return any;
}

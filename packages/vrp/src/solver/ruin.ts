import type { Model } from './model.js';
import type { Rng } from './rng.js';
import type { Solution } from './solution.js';

/**
 * Ruin operators. Removed tasks are written to `out` as insertion units (a job, or a shipment's pickup: its
 * delivery always leaves and returns with it). Positions fixed by a warm start (`fixedLen[v]` first tasks of each
 * route) are never removed.
 */

export interface RuinBuffers {
  /** Units removed (jobs and shipment pickups). */
  out: Int32Array;
  count: number;
  /** Per vehicle: stamp of the last ruin that touched it. */
  touched: Int32Array;
  stamp: number;
  /** Per node: 1 while marked for removal in this ruin. */
  mark: Uint8Array;
  keep: Int32Array;
}

export function newRuinBuffers(m: Model): RuinBuffers {
  return {
    out: new Int32Array(m.nNodes),
    count: 0,
    touched: new Int32Array(m.nVehicles),
    stamp: 0,
    mark: new Uint8Array(m.nNodes),
    keep: new Int32Array(m.nNodes),
  };
}

export interface SisrParams {
  /** Average number of removed tasks (c̄). */
  avgRemoved: number;
  /** Maximum string length (L_max). */
  maxString: number;
  /** Probability of the split-string variant (α in spirit). */
  splitRate: number;
  /** Chance to stop growing the preserved substring of a split string (β). */
  splitDepth: number;
}

export const DEFAULT_SISR: SisrParams = { avgRemoved: 15, maxString: 15, splitRate: 0.5, splitDepth: 0.01 };

/**
 * Removes the marked tasks of route v (and their shipment partners) into `buf`, then re-syncs the route. A task in
 * the fixed prefix, or whose shipment partner is in it, stays.
 */
function flushRoute(m: Model, sol: Solution, v: number, fixedLen: Int32Array, buf: RuinBuffers): void {
  const r = sol.routes[v]!;
  const fixed = fixedLen[v]!;
  let kept = 0;
  for (let k = 1; k <= r.len; k++) {
    const n = r.node[k]!;
    const p = m.partner[n]!;
    const movable = k > fixed && (p < 0 || sol.posOf[p]! > fixed);
    if (movable && (buf.mark[n] === 1 || (p >= 0 && buf.mark[p] === 1))) {
      sol.routeOf[n] = -1;
      if (m.kind[n] !== 2) buf.out[buf.count++] = n;
    } else {
      buf.keep[kept++] = n;
    }
  }
  for (let k = 1; k <= r.len; k++) buf.mark[r.node[k]!] = 0;
  r.setNodes(buf.keep, 0, kept, m);
  sol.sync(m, v);
}

/**
 * SISR string removal (Christiaens & Vanden Berghe 2020): strings (or split strings) of consecutive tasks from
 * routes near a seed task, about `avgRemoved` tasks in all. The seed is random among the routed tasks unless given
 * (route elimination seeds at an unassigned task, to make room around it).
 */
export function ruinStrings(
  m: Model, sol: Solution, rng: Rng, params: SisrParams, fixedLen: Int32Array, buf: RuinBuffers, seedNode = -1,
): void {
  buf.count = 0;
  buf.stamp++;
  let assigned = 0;
  let used = 0;
  for (const r of sol.routes) {
    if (r.len > 0) {
      used++;
      assigned += r.len;
    }
  }
  if (assigned === 0) return;
  const avgLen = assigned / used;
  const lsMax = Math.min(params.maxString, avgLen);
  const ksMax = (4 * params.avgRemoved) / (1 + lsMax) - 1;
  const ks = Math.floor(rng.next() * ksMax) + 1;

  let seed = seedNode >= 0 ? seedNode : rng.int(m.nNodes);
  for (let tries = 0; seedNode < 0 && sol.routeOf[seed] === -1 && tries < m.nNodes; tries++) seed = (seed + 1) % m.nNodes;
  let ruined = 0;
  const K = m.nNeighbours;
  for (let i = -1; i < K && ruined < ks; i++) {
    const c = i < 0 ? seed : m.neighbours[seed * K + i]!;
    const v = sol.routeOf[c]!;
    if (v < 0 || buf.touched[v] === buf.stamp) continue;
    const r = sol.routes[v]!;
    const lo = fixedLen[v]! + 1;
    const free = r.len - lo + 1;
    if (free <= 0 || sol.posOf[c]! < lo) continue;
    buf.touched[v] = buf.stamp;
    ruined++;
    const lMax = Math.min(free, lsMax);
    const l = Math.floor(rng.next() * lMax) + 1;
    const pc = sol.posOf[c]!;
    if (l === free || rng.next() >= params.splitRate) {
      const first = Math.max(lo, pc - l + 1) + rng.int(Math.min(pc, r.len - l + 1) - Math.max(lo, pc - l + 1) + 1);
      for (let k = first; k < first + l; k++) buf.mark[r.node[k]!] = 1;
    } else {
      let keep = 1;
      while (l + keep < free && rng.next() >= params.splitDepth) keep++;
      const total = l + keep;
      const lowest = Math.max(lo, pc - total + 1);
      const highest = Math.min(pc, r.len - total + 1);
      const first = lowest + rng.int(highest - lowest + 1);
      const keepFrom = first + rng.int(l + 1);
      for (let k = first; k < first + total; k++) {
        if (k < keepFrom || k >= keepFrom + keep) buf.mark[r.node[k]!] = 1;
      }
      // The seed customer must leave whatever the preserved part.
      buf.mark[c] = 1;
    }
    flushRoute(m, sol, v, fixedLen, buf);
  }
}

/** Removes `count` random assigned tasks (outside fixed prefixes). */
export function ruinRandom(m: Model, sol: Solution, rng: Rng, count: number, fixedLen: Int32Array, buf: RuinBuffers): void {
  buf.count = 0;
  buf.stamp++;
  let marked = 0;
  for (let tries = 0; marked < count && tries < 4 * count + 16; tries++) {
    const n = rng.int(m.nNodes);
    const v = sol.routeOf[n]!;
    if (v < 0 || buf.mark[n] === 1 || sol.posOf[n]! <= fixedLen[v]!) continue;
    const p = m.partner[n]!;
    if (p >= 0 && sol.posOf[p]! <= fixedLen[v]!) continue;
    buf.mark[n] = 1;
    buf.touched[v] = buf.stamp;
    marked++;
  }
  for (let v = 0; v < m.nVehicles; v++) if (buf.touched[v] === buf.stamp) flushRoute(m, sol, v, fixedLen, buf);
}

/** Empties route v (outside its fixed prefix), for route elimination. */
export function ruinRoute(m: Model, sol: Solution, v: number, fixedLen: Int32Array, buf: RuinBuffers): void {
  buf.count = 0;
  buf.stamp++;
  const r = sol.routes[v]!;
  for (let k = fixedLen[v]! + 1; k <= r.len; k++) buf.mark[r.node[k]!] = 1;
  buf.touched[v] = buf.stamp;
  flushRoute(m, sol, v, fixedLen, buf);
}

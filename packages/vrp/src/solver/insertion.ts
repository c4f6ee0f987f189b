import type { Model } from './model.js';
import type { Rng } from './rng.js';
import { startIn, type Route } from './route.js';
import { breaksFeasible } from './schedule.js';

/**
 * Cheapest feasible insertion of one task (a job, or a shipment's pickup and delivery together) into one route, in
 * O(len) for a job and O(len²) for a shipment, each position checked in O(dims) against the route's cached
 * forward/backward data. Candidates are only checked when cheaper than the best so far, so the time-window and
 * load checks run for a fraction of the positions.
 */

/** Best insertion found so far (reused, never allocated per call). */
export interface Insertion {
  delta: number;
  vehicle: number;
  /** The task goes after this position... */
  pos: number;
  /** ...and a shipment's delivery after this position of the original route (pos2 >= pos). */
  pos2: number;
}

export function newInsertion(): Insertion {
  return { delta: Infinity, vehicle: -1, pos: -1, pos2: -1 };
}

export function resetInsertion(ins: Insertion, bound = Infinity): void {
  ins.delta = bound;
  ins.vehicle = -1;
  ins.pos = -1;
  ins.pos2 = -1;
}

let seqBuf = new Int32Array(64);

/** The route's tasks (position-indexed) with `u` after `p` and, for a shipment, `w` after `q` (q >= p). */
function candidateSequence(r: Route, u: number, p: number, w: number, q: number): Int32Array {
  if (seqBuf.length < r.len + 4) seqBuf = new Int32Array(2 * (r.len + 4));
  let k = 1;
  for (let i = 1; i <= r.len + 1; i++) {
    if (i - 1 === p) seqBuf[k++] = u;
    if (w >= 0 && i - 1 === q) seqBuf[k++] = w;
    if (i <= r.len) seqBuf[k++] = r.node[i]!;
  }
  return seqBuf;
}

/**
 * Whether the successor `n` at position `pos` of route r, reached at `a` from a task at location `prevLoc`, can
 * still be served in time, its setup recomputed for the new predecessor.
 */
function successorOk(m: Model, r: Route, pos: number, prevLoc: number, a: number, typeOff: number): boolean {
  if (pos === r.len + 1) return a <= r.ld[pos]!;
  const l = r.loc[pos]!;
  const oldPrev = r.loc[pos - 1]!;
  if ((oldPrev !== l) === (prevLoc !== l)) return a <= r.la[pos]!;
  const n = r.node[pos]!;
  const s = startIn(m, n, a);
  return s + m.service[typeOff + n]! + (prevLoc !== l ? m.setup[typeOff + n]! : 0) <= r.ld[pos]!;
}

/** Cost change of the task-time cost when a task at location `lu` is put between locations lp and the node at `next`. */
function taskCostDelta(m: Model, r: Route, typeOff: number, u: number, lp: number, lu: number, next: number): number {
  let t = m.service[typeOff + u]! + (lp !== lu ? m.setup[typeOff + u]! : 0);
  if (next <= r.len) {
    const ln = r.loc[next]!;
    const before = r.loc[next - 1]! !== ln ? 1 : 0;
    const after = lu !== ln ? 1 : 0;
    t += (after - before) * m.setup[typeOff + r.node[next]!]!;
  }
  return t;
}

/**
 * Updates `best` with the cheapest feasible position of job `u` in route r after position `from` (a warm start's
 * fixed prefix), skipping each position with probability `blink` (SISR's blinks).
 */
export function bestJobInsertion(
  m: Model, r: Route, u: number, from: number, best: Insertion, rng: Rng | null, blink: number,
): void {
  const v = r.vehicle;
  const nN = m.nNodes;
  if (m.compat[v * nN + u] === 0 || r.len + 1 > m.vMaxTasks[v]!) return;
  const cls = m.classes[m.vClass[v]!]!;
  const T = cls.time;
  const C = cls.cost;
  const CT = cls.costT;
  const Dm = cls.dist;
  const S = m.stride;
  const D = m.dims;
  const typeOff = m.vType[v]! * nN;
  const lu = m.loc[u]!;
  const uRow = lu * S;
  const cum = r.cumCost;
  const svc = m.service[typeOff + u]!;
  const stp = m.setup[typeOff + u]!;
  const end = r.len + 1;
  const fixed = r.len === 0 ? m.vFixed[v]! : 0;
  const rate = m.vTaskCostRate[v]!;
  const timeLeft = m.vMaxTravelTime[v]! - r.cumTime[end]!;
  const distLeft = m.vMaxDistance[v]! - r.cumDist[end]!;
  const hasBreaks = m.brkCount[v]! > 0;
  const loc = r.loc;
  const capOff = v * D;
  // Whatever the position, the start load grows by u's delivery and the end load by its net pickup.
  for (let d = 0; d < D; d++) {
    const init = m.initLoad[u * D + d]!;
    const cap = m.vCapacity[capOff + d]!;
    if (r.load[d]! + init > cap || r.load[end * D + d]! + init + m.deltaLoad[u * D + d]! > cap) return;
  }
  for (let p = from; p < end; p++) {
    if (blink > 0 && rng!.next() < blink) continue;
    const lp = loc[p]!;
    const ln = loc[p + 1]!;
    const pu = lp * S + lu;
    const un = uRow + ln;
    const pn = lp * S + ln;
    // Row u of the matrix and its transpose, and the route's own arc from its running cost: no column reads.
    let delta = CT[uRow + lp]! + C[un]! - (cum[p + 1]! - cum[p]!) + fixed;
    if (rate > 0) delta += rate * taskCostDelta(m, r, typeOff, u, lp, lu, p + 1);
    if (delta >= best.delta) continue;
    if (timeLeft !== Infinity && T[pu]! + T[un]! - T[pn]! > timeLeft) continue;
    if (distLeft !== Infinity && Dm![pu]! + Dm![un]! - Dm![pn]! > distLeft) continue;
    const s = startIn(m, u, r.ed[p]! + T[pu]!);
    if (s === Infinity) continue;
    const dep = s + svc + (lp !== lu ? stp : 0);
    if (!successorOk(m, r, p + 1, lu, dep + T[un]!, typeOff)) continue;
    if (D > 0) {
      let fits = true;
      for (let d = 0; d < D; d++) {
        const init = m.initLoad[u * D + d]!;
        const after = init + m.deltaLoad[u * D + d]!;
        const cap = m.vCapacity[capOff + d]!;
        if (r.fwdMax[p * D + d]! + init > cap || r.load[p * D + d]! + after > cap || r.bwdMax[(p + 1) * D + d]! + after > cap) {
          fits = false;
          break;
        }
      }
      if (!fits) continue;
    }
    if (hasBreaks && !breaksFeasible(m, v, candidateSequence(r, u, p, -1, -1), r.len + 1)) continue;
    best.delta = delta;
    best.vehicle = v;
    best.pos = p;
    best.pos2 = -1;
  }
}

/** Task time of node n for a vehicle type (offset typeOff) when it follows location `prevLoc`. */
function action(m: Model, typeOff: number, n: number, prevLoc: number): number {
  return m.service[typeOff + n]! + (prevLoc !== m.loc[n] ? m.setup[typeOff + n]! : 0);
}

/** Whether the load after position `pos` of r plus pickup u's amount fits vehicle r's capacity. */
function shipmentLoadFits(m: Model, r: Route, u: number, pos: number): boolean {
  const D = m.dims;
  const capOff = r.vehicle * D;
  for (let d = 0; d < D; d++) {
    if (r.load[pos * D + d]! + m.deltaLoad[u * D + d]! > m.vCapacity[capOff + d]!) return false;
  }
  return true;
}

/** As bestJobInsertion, for shipment pickup `u` and its delivery m.partner[u]. */
export function bestShipmentInsertion(
  m: Model, r: Route, u: number, from: number, best: Insertion, rng: Rng | null, blink: number,
): void {
  const v = r.vehicle;
  const nN = m.nNodes;
  const w = m.partner[u]!;
  if (m.compat[v * nN + u] === 0 || r.len + 2 > m.vMaxTasks[v]!) return;
  const cls = m.classes[m.vClass[v]!]!;
  const T = cls.time;
  const C = cls.cost;
  const CT = cls.costT;
  const cum = r.cumCost;
  const Dm = cls.dist;
  const S = m.stride;
  const D = m.dims;
  const typeOff = m.vType[v]! * nN;
  const lu = m.loc[u]!;
  const lw = m.loc[w]!;
  const end = r.len + 1;
  const fixed = r.len === 0 ? m.vFixed[v]! : 0;
  const rate = m.vTaskCostRate[v]!;
  const timeLeft = m.vMaxTravelTime[v]! - r.cumTime[end]!;
  const distLeft = m.vMaxDistance[v]! - r.cumDist[end]!;
  const hasBreaks = m.brkCount[v]! > 0;
  const loc = r.loc;
  for (let p = from; p < end; p++) {
    if (blink > 0 && rng!.next() < blink) continue;
    if (D > 0 && !shipmentLoadFits(m, r, u, p)) continue;
    const lp = loc[p]!;
    const ln = loc[p + 1]!;
    const sU = startIn(m, u, r.ed[p]! + T[lp * S + lu]!);
    if (sU === Infinity) continue;
    const depU = sU + action(m, typeOff, u, lp);

    // Delivery right after the pickup.
    {
      let delta = CT[lu * S + lp]! + C[lu * S + lw]! + C[lw * S + ln]! - (cum[p + 1]! - cum[p]!) + fixed;
      if (rate > 0) {
        delta += rate * (action(m, typeOff, u, lp) + action(m, typeOff, w, lu));
        if (p + 1 <= r.len) {
          const n = r.node[p + 1]!;
          delta += rate * ((lw !== ln ? 1 : 0) - (lp !== ln ? 1 : 0)) * m.setup[typeOff + n]!;
        }
      }
      if (delta < best.delta) {
        const dt = T[lp * S + lu]! + T[lu * S + lw]! + T[lw * S + ln]! - T[lp * S + ln]!;
        const dd = Dm === null ? 0 : Dm[lp * S + lu]! + Dm[lu * S + lw]! + Dm[lw * S + ln]! - Dm[lp * S + ln]!;
        const sW = startIn(m, w, depU + T[lu * S + lw]!);
        if (
          sW !== Infinity && dt <= timeLeft && dd <= distLeft &&
          successorOk(m, r, p + 1, lw, sW + action(m, typeOff, w, lu) + T[lw * S + ln]!, typeOff) &&
          (!hasBreaks || breaksFeasible(m, v, candidateSequence(r, u, p, w, p), r.len + 2))
        ) {
          best.delta = delta;
          best.vehicle = v;
          best.pos = best.pos2 = p;
        }
      }
    }

    // Delivery after position q > p: walk the shifted schedule through p+1..q.
    let deltaU = CT[lu * S + lp]! + C[lu * S + ln]! - (cum[p + 1]! - cum[p]!) + fixed;
    if (rate > 0) deltaU += rate * taskCostDelta(m, r, typeOff, u, lp, lu, p + 1);
    const dtU = T[lp * S + lu]! + T[lu * S + ln]! - T[lp * S + ln]!;
    const ddU = Dm === null ? 0 : Dm[lp * S + lu]! + Dm[lu * S + ln]! - Dm[lp * S + ln]!;
    if (dtU > timeLeft || ddU > distLeft) continue;
    let prevLoc = lu;
    let prevDep = depU;
    for (let q = p + 1; q < end; q++) {
      const n = r.node[q]!;
      const l = loc[q]!;
      const s = startIn(m, n, prevDep + T[prevLoc * S + l]!);
      if (s === Infinity) break;
      const dep = s + action(m, typeOff, n, prevLoc);
      if (D > 0 && !shipmentLoadFits(m, r, u, q)) break;
      const l2 = loc[q + 1]!;
      let delta = deltaU + CT[lw * S + l]! + C[lw * S + l2]! - (cum[q + 1]! - cum[q]!);
      if (rate > 0) delta += rate * taskCostDelta(m, r, typeOff, w, l, lw, q + 1);
      if (delta < best.delta) {
        const dt = dtU + T[l * S + lw]! + T[lw * S + l2]! - T[l * S + l2]!;
        const dd = Dm === null ? 0 : ddU + Dm[l * S + lw]! + Dm[lw * S + l2]! - Dm[l * S + l2]!;
        const sW = startIn(m, w, dep + T[l * S + lw]!);
        if (
          sW !== Infinity && dt <= timeLeft && dd <= distLeft &&
          successorOk(m, r, q + 1, lw, sW + action(m, typeOff, w, l) + T[lw * S + l2]!, typeOff) &&
          (!hasBreaks || breaksFeasible(m, v, candidateSequence(r, u, p, w, q), r.len + 2))
        ) {
          best.delta = delta;
          best.vehicle = v;
          best.pos = p;
          best.pos2 = q;
        }
      }
      // Later deliveries keep q's successor, so q must still leave in time for it.
      if (dep > r.ld[q]!) break;
      prevLoc = l;
      prevDep = dep;
    }
  }
}

/** Applies an insertion found by the functions above (the caller re-syncs the route). */
export function applyInsertion(m: Model, r: Route, u: number, ins: Insertion): void {
  if (m.partner[u]! < 0) {
    r.insertAt(ins.pos, u, m);
    return;
  }
  // Delivery first: its position counts in the original route, before the pickup shifts it.
  r.insertAt(ins.pos2, m.partner[u]!, m);
  r.insertAt(ins.pos, u, m);
}

/** Best insertion of unit `u` (a job or a shipment pickup) into route r. */
export function bestInsertion(
  m: Model, r: Route, u: number, from: number, best: Insertion, rng: Rng | null, blink: number,
): void {
  if (m.partner[u]! < 0) bestJobInsertion(m, r, u, from, best, rng, blink);
  else bestShipmentInsertion(m, r, u, from, best, rng, blink);
}

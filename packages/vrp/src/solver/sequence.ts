import type { Model } from './model.js';
import { startIn } from './route.js';
import { breaksFeasible } from './schedule.js';

/**
 * Every constraint of one route checked from scratch in O(len): skills, time windows (setup skipped at a repeated
 * location), the vehicle's working hours, loads at every step, max_tasks, max_travel_time, max_distance, shipment
 * precedence and pairing, and breaks. The local search calls it only for moves whose cost delta is an improvement,
 * and the tests use it as ground truth for the incremental checks.
 *
 * `seq` is position-indexed: tasks at seq[1..len].
 */

let seen = new Uint8Array(0);
let load = new Int32Array(0);

/** The route's objective cost, or −1 when vehicle v cannot serve this sequence. */
export function sequenceCost(m: Model, v: number, seq: ArrayLike<number>, len: number): number {
  if (len === 0) return 0;
  if (len > m.vMaxTasks[v]!) return -1;
  if (seen.length < m.nNodes) seen = new Uint8Array(m.nNodes);
  const D = m.dims;
  if (load.length < D) load = new Int32Array(D);
  const nN = m.nNodes;
  const cls = m.classes[m.vClass[v]!]!;
  const T = cls.time;
  const C = cls.cost;
  const Dm = cls.dist;
  const S = m.stride;
  const typeOff = m.vType[v]! * nN;
  let feasible = true;
  for (let d = 0; d < D; d++) load[d] = 0;
  for (let k = 1; k <= len; k++) {
    const n = seq[k]!;
    if (m.compat[v * nN + n] === 0) feasible = false;
    for (let d = 0; d < D; d++) load[d] = load[d]! + m.initLoad[n * D + d]!;
  }
  for (let d = 0; d < D; d++) if (load[d]! > m.vCapacity[v * D + d]!) feasible = false;
  let t = m.vTwStart[v]!;
  let prev = m.vStart[v]!;
  let cost = 0;
  let travel = 0;
  let dist = 0;
  let taskTime = 0;
  let open = 0;
  for (let k = 1; k <= len && feasible; k++) {
    const n = seq[k]!;
    const l = m.loc[n]!;
    const arc = prev * S + l;
    cost += C[arc]!;
    travel += T[arc]!;
    if (Dm !== null) dist += Dm[arc]!;
    const s = startIn(m, n, t + T[arc]!);
    if (s === Infinity) feasible = false;
    const action = m.service[typeOff + n]! + (prev !== l ? m.setup[typeOff + n]! : 0);
    taskTime += action;
    t = s + action;
    for (let d = 0; d < D; d++) {
      load[d] = load[d]! + m.deltaLoad[n * D + d]!;
      if (load[d]! > m.vCapacity[v * D + d]!) feasible = false;
    }
    const kind = m.kind[n]!;
    if (kind === 1) {
      seen[n] = 1;
      open++;
    } else if (kind === 2) {
      if (seen[m.partner[n]!] !== 1) feasible = false;
      open--;
    }
    prev = l;
  }
  for (let k = 1; k <= len; k++) seen[seq[k]!] = 0;
  if (!feasible || open !== 0) return -1;
  const arc = prev * S + m.vEnd[v]!;
  cost += C[arc]!;
  travel += T[arc]!;
  if (Dm !== null) dist += Dm[arc]!;
  if (t + T[arc]! > m.vTwEnd[v]!) return -1;
  if (travel > m.vMaxTravelTime[v]! || dist > m.vMaxDistance[v]!) return -1;
  if (m.brkCount[v]! > 0 && !breaksFeasible(m, v, seq, len)) return -1;
  return cost + m.vFixed[v]! + m.vTaskCostRate[v]! * taskTime;
}

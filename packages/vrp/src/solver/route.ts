import type { Model } from './model.js';
import { breaksFeasible } from './schedule.js';

/**
 * One vehicle's route with the per-position data that makes a move's feasibility an O(1) question
 * (Savelsbergh 1992): position 0 is the start, 1..len the tasks, len + 1 the end.
 *
 * - ed: earliest departure from the position (at the end: earliest arrival), with the route served as early as
 *   possible from the vehicle's time-window start;
 * - la / ld: latest arrival at / departure from the position that keeps every later task and the vehicle's end
 *   within their windows (given the position's current predecessor, which decides whether its setup applies);
 * - load: vehicle load after the position, per dimension; fwdMax / bwdMax: its running maxima from the start and
 *   from the end, so an insertion that adds a load to a prefix or a suffix is checked in O(dims);
 * - cumTime / cumDist / cumCost: travel from the start up to the position, for max_travel_time, max_distance and
 *   segment moves;
 * - open: shipments picked up and not yet delivered after the position (a cut where open > 0 would split one).
 *
 * Breaks are not positions: they are placed by schedule.ts, whose exact check runs for vehicles that have them.
 */
export class Route {
  readonly vehicle: number;
  len = 0;
  node: Int32Array;
  loc: Int32Array;
  ed: Float64Array;
  la: Float64Array;
  ld: Float64Array;
  cumTime: Float64Array;
  cumDist: Float64Array;
  cumCost: Float64Array;
  load: Int32Array;
  fwdMax: Int32Array;
  bwdMax: Int32Array;
  open: Int32Array;
  /** Objective cost: travel + task time + fixed; 0 for an empty route. */
  cost = 0;
  /** False when a constraint is broken (only a warm start given by the caller can be). */
  ok = true;
  private cap: number;
  private readonly dims: number;

  constructor(m: Model, vehicle: number, capacity = 8) {
    this.vehicle = vehicle;
    this.dims = m.dims;
    this.cap = capacity;
    const n = capacity + 2;
    this.node = new Int32Array(n).fill(-1);
    this.loc = new Int32Array(n);
    this.ed = new Float64Array(n);
    this.la = new Float64Array(n);
    this.ld = new Float64Array(n);
    this.cumTime = new Float64Array(n);
    this.cumDist = new Float64Array(n);
    this.cumCost = new Float64Array(n);
    this.load = new Int32Array(n * m.dims);
    this.fwdMax = new Int32Array(n * m.dims);
    this.bwdMax = new Int32Array(n * m.dims);
    this.open = new Int32Array(n);
    this.loc[0] = m.vStart[vehicle]!;
    this.loc[1] = m.vEnd[vehicle]!;
  }

  private grow(minLen: number): void {
    let cap = this.cap;
    while (cap < minLen) cap *= 2;
    if (cap === this.cap) return;
    const n = cap + 2;
    const d = this.dims;
    const g32 = (a: Int32Array, size: number): Int32Array => {
      const b = new Int32Array(size);
      b.set(a.subarray(0, Math.min(a.length, size)));
      return b;
    };
    const g64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const node = g32(this.node, n);
    node.fill(-1, this.cap + 2);
    this.node = node;
    this.loc = g32(this.loc, n);
    this.ed = g64(this.ed);
    this.la = g64(this.la);
    this.ld = g64(this.ld);
    this.cumTime = g64(this.cumTime);
    this.cumDist = g64(this.cumDist);
    this.cumCost = g64(this.cumCost);
    this.load = g32(this.load, n * d);
    this.fwdMax = g32(this.fwdMax, n * d);
    this.bwdMax = g32(this.bwdMax, n * d);
    this.open = g32(this.open, n);
    this.cap = cap;
  }

  /** Inserts `node` right after position `pos` (it becomes position pos + 1). Call update() before evaluating. */
  insertAt(pos: number, node: number, m: Model): void {
    if (this.len + 1 > this.cap) this.grow(this.len + 1);
    for (let k = this.len + 1; k > pos; k--) {
      this.node[k + 1] = this.node[k]!;
      this.loc[k + 1] = this.loc[k]!;
    }
    this.node[pos + 1] = node;
    this.loc[pos + 1] = m.loc[node]!;
    this.len++;
  }

  /** Removes the task at position `pos` (1..len). */
  removeAt(pos: number): void {
    for (let k = pos; k <= this.len; k++) {
      this.node[k] = this.node[k + 1]!;
      this.loc[k] = this.loc[k + 1]!;
    }
    this.node[this.len + 1] = -1;
    this.len--;
  }

  /** Replaces the tasks with `nodes[from .. to)`. */
  setNodes(nodes: ArrayLike<number>, from: number, to: number, m: Model): void {
    const len = to - from;
    if (len > this.cap) this.grow(len);
    const endLoc = this.loc[this.len + 1]!;
    for (let i = 0; i < len; i++) {
      const n = nodes[from + i]!;
      this.node[i + 1] = n;
      this.loc[i + 1] = m.loc[n]!;
    }
    this.node[len + 1] = -1;
    this.loc[len + 1] = endLoc;
    this.len = len;
  }

  copyFrom(o: Route): void {
    if (o.len > this.cap) this.grow(o.len);
    const n = o.len + 2;
    const nd = n * this.dims;
    this.len = o.len;
    this.node.set(o.node.subarray(0, n));
    this.loc.set(o.loc.subarray(0, n));
    this.ed.set(o.ed.subarray(0, n));
    this.la.set(o.la.subarray(0, n));
    this.ld.set(o.ld.subarray(0, n));
    this.cumTime.set(o.cumTime.subarray(0, n));
    this.cumDist.set(o.cumDist.subarray(0, n));
    this.cumCost.set(o.cumCost.subarray(0, n));
    if (nd > 0) {
      this.load.set(o.load.subarray(0, nd));
      this.fwdMax.set(o.fwdMax.subarray(0, nd));
      this.bwdMax.set(o.bwdMax.subarray(0, nd));
    }
    this.open.set(o.open.subarray(0, n));
    this.cost = o.cost;
    this.ok = o.ok;
  }

  /** Recomputes every per-position array and the cost from the task sequence: O(len × dims). */
  update(m: Model): void {
    const v = this.vehicle;
    const len = this.len;
    const end = len + 1;
    const cls = m.classes[m.vClass[v]!]!;
    const T = cls.time;
    const C = cls.cost;
    const Dm = cls.dist;
    const S = m.stride;
    const nN = m.nNodes;
    const typeOff = m.vType[v]! * nN;
    const node = this.node;
    const loc = this.loc;
    const ed = this.ed;
    let ok = true;
    let taskTime = 0;

    ed[0] = m.vTwStart[v]!;
    this.cumTime[0] = 0;
    this.cumDist[0] = 0;
    this.cumCost[0] = 0;
    this.open[0] = 0;
    for (let k = 1; k <= end; k++) {
      const arc = loc[k - 1]! * S + loc[k]!;
      this.cumTime[k] = this.cumTime[k - 1]! + T[arc]!;
      this.cumDist[k] = this.cumDist[k - 1]! + (Dm === null ? 0 : Dm[arc]!);
      this.cumCost[k] = this.cumCost[k - 1]! + C[arc]!;
      const a = ed[k - 1]! + T[arc]!;
      if (k === end) {
        ed[k] = a;
        this.open[k] = 0;
        break;
      }
      const n = node[k]!;
      const s = startIn(m, n, a);
      if (s === Infinity) ok = false;
      const action = m.service[typeOff + n]! + (loc[k - 1] !== loc[k] ? m.setup[typeOff + n]! : 0);
      taskTime += action;
      ed[k] = s + action;
      const kind = m.kind[n]!;
      this.open[k] = this.open[k - 1]! + (kind === 1 ? 1 : kind === 2 ? -1 : 0);
    }
    if (ed[end]! > m.vTwEnd[v]!) ok = false;

    const la = this.la;
    const ld = this.ld;
    la[end] = ld[end] = m.vTwEnd[v]!;
    for (let k = len; k >= 0; k--) {
      ld[k] = la[k + 1]! - T[loc[k]! * S + loc[k + 1]!]!;
      if (k === 0) {
        la[0] = ld[0]!;
        break;
      }
      const n = node[k]!;
      const action = m.service[typeOff + n]! + (loc[k - 1] !== loc[k] ? m.setup[typeOff + n]! : 0);
      la[k] = latestArrival(m, n, ld[k]! - action);
    }

    const D = this.dims;
    if (D > 0) {
      const load = this.load;
      const cap = m.vCapacity;
      for (let d = 0; d < D; d++) load[d] = 0;
      for (let k = 1; k <= len; k++) {
        const n = node[k]!;
        for (let d = 0; d < D; d++) load[d] = load[d]! + m.initLoad[n * D + d]!;
      }
      for (let k = 1; k <= end; k++) {
        const n = node[k]!;
        for (let d = 0; d < D; d++) {
          load[k * D + d] = load[(k - 1) * D + d]! + (k === end ? 0 : m.deltaLoad[n * D + d]!);
        }
      }
      const fwd = this.fwdMax;
      const bwd = this.bwdMax;
      for (let d = 0; d < D; d++) {
        fwd[d] = load[d]!;
        bwd[end * D + d] = load[end * D + d]!;
      }
      for (let k = 1; k <= end; k++) {
        for (let d = 0; d < D; d++) fwd[k * D + d] = Math.max(fwd[(k - 1) * D + d]!, load[k * D + d]!);
      }
      for (let k = len; k >= 0; k--) {
        for (let d = 0; d < D; d++) bwd[k * D + d] = Math.max(bwd[(k + 1) * D + d]!, load[k * D + d]!);
      }
      for (let d = 0; d < D; d++) if (fwd[end * D + d]! > cap[v * D + d]!) ok = false;
    }
    if (len > m.vMaxTasks[v]!) ok = false;
    if (this.cumTime[end]! > m.vMaxTravelTime[v]!) ok = false;
    if (this.cumDist[end]! > m.vMaxDistance[v]!) ok = false;
    if (ok && len > 0 && m.brkCount[v]! > 0) ok = breaksFeasible(m, v, node, len);
    this.ok = ok;
    this.cost = len === 0 ? 0 : this.cumCost[end]! + m.vFixed[v]! + m.vTaskCostRate[v]! * taskTime;
  }
}

/** Earliest service start at or after arrival `a` inside one of the node's windows; Infinity when none is left. */
export function startIn(m: Model, n: number, a: number): number {
  const count = m.twCount[n]!;
  let w = m.twFirst[n]!;
  if (count === 1) return a <= m.twClose[w]! ? Math.max(a, m.twOpen[w]!) : Infinity;
  for (const last = w + count; w < last; w++) {
    if (a <= m.twClose[w]!) return Math.max(a, m.twOpen[w]!);
  }
  return Infinity;
}

/** Latest arrival whose service can start no later than `latestStart`; −Infinity when no window allows it. */
export function latestArrival(m: Model, n: number, latestStart: number): number {
  const first = m.twFirst[n]!;
  for (let w = first + m.twCount[n]! - 1; w >= first; w--) {
    if (m.twOpen[w]! <= latestStart) return Math.min(m.twClose[w]!, latestStart);
  }
  return -Infinity;
}

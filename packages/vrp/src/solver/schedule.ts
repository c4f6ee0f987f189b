import type { Model } from './model.js';

/**
 * Timing of a whole route with the vehicle's breaks placed, exactly: for a task sequence, the earliest time the
 * vehicle can be ready to leave each position having taken b of its breaks (b = 0..B, breaks in order of their
 * windows). Being somewhere earlier never hurts (waiting is allowed everywhere), so this dynamic programme over
 * (position, breaks taken) decides feasibility exactly and yields the earliest schedule.
 *
 * A break is taken where the vehicle is, after serving a position and before travelling on (VROOM reports a break
 * step with the cumulated travel of the step before it); its window bounds the start of the break and its max_load
 * the load on board at that moment.
 */

export interface Schedule {
  feasible: boolean;
  /** Per position 0..len+1: arrival; service start (after waiting) for tasks. Position 0: departure. */
  arrival: Float64Array;
  start: Float64Array;
  /** Setup applied at the position (0 when the previous position is at the same location). */
  setup: Float64Array;
  /** Per break (model order): the position it follows, its arrival (ready time) and start. */
  breakAfter: Int32Array;
  breakArrival: Float64Array;
  breakStart: Float64Array;
}

let ping = new Float64Array(8);
let loadBuf = new Int32Array(8);

function scratch(B: number, D: number): void {
  if (ping.length < B + 1) ping = new Float64Array(2 * (B + 1));
  if (loadBuf.length < D) loadBuf = new Int32Array(2 * D);
}

/** Earliest break start at or after `a`, Infinity when its windows are all past. */
function breakStartIn(m: Model, brk: number, a: number): number {
  let w = m.brkTwFirst[brk]!;
  for (const last = w + m.brkTwCount[brk]!; w < last; w++) {
    if (a <= m.twClose[w]!) return Math.max(a, m.twOpen[w]!);
  }
  return Infinity;
}

function breakLoadOk(m: Model, brk: number, load: Int32Array): boolean {
  const D = m.dims;
  for (let d = 0; d < D; d++) if (load[d]! > m.brkMaxLoad[brk * D + d]!) return false;
  return true;
}

/**
 * Runs the programme over positions 1..len of `node` (index = position) for vehicle v. With `table`, records the
 * ready time before (P) and after (Q) each gap's breaks: table[(k * 2 + 0|1) * (B + 1) + b].
 */
function runBreakDp(m: Model, v: number, node: ArrayLike<number>, len: number, table: Float64Array | null): boolean {
  const B = m.brkCount[v]!;
  const first = m.brkFirst[v]!;
  const D = m.dims;
  scratch(B, D);
  const cur = ping;
  const load = loadBuf;
  const T = m.classes[m.vClass[v]!]!.time;
  const S = m.stride;
  const typeOff = m.vType[v]! * m.nNodes;
  for (let b = 0; b <= B; b++) cur[b] = Infinity;
  cur[0] = m.vTwStart[v]!;
  for (let d = 0; d < D; d++) load[d] = 0;
  for (let k = 1; k <= len; k++) {
    const n = node[k]!;
    for (let d = 0; d < D; d++) load[d] = load[d]! + m.initLoad[n * D + d]!;
  }
  let prevLoc = m.vStart[v]!;
  for (let k = 0; k <= len; k++) {
    if (table !== null) for (let b = 0; b <= B; b++) table[(k * 2) * (B + 1) + b] = cur[b]!;
    for (let b = 0; b < B; b++) {
      const ready = cur[b]!;
      if (ready === Infinity) continue;
      const brk = first + b;
      if (!breakLoadOk(m, brk, load)) continue;
      const s = breakStartIn(m, brk, ready);
      if (s === Infinity) continue;
      const done = s + m.brkService[brk]!;
      if (done < cur[b + 1]!) cur[b + 1] = done;
    }
    if (table !== null) for (let b = 0; b <= B; b++) table[(k * 2 + 1) * (B + 1) + b] = cur[b]!;
    if (k === len) {
      return cur[B]! + T[prevLoc * S + m.vEnd[v]!]! <= m.vTwEnd[v]!;
    }
    const n = node[k + 1]!;
    const l = m.loc[n]!;
    const t = T[prevLoc * S + l]!;
    const action = m.service[typeOff + n]! + (prevLoc !== l ? m.setup[typeOff + n]! : 0);
    let any = false;
    for (let b = 0; b <= B; b++) {
      if (cur[b] === Infinity) continue;
      const s = startInWindows(m, n, cur[b]! + t);
      cur[b] = s === Infinity ? Infinity : s + action;
      if (s !== Infinity) any = true;
    }
    if (!any) return false;
    for (let d = 0; d < D; d++) load[d] = load[d]! + m.deltaLoad[n * D + d]!;
    prevLoc = l;
  }
  return false;
}

function startInWindows(m: Model, n: number, a: number): number {
  let w = m.twFirst[n]!;
  for (const last = w + m.twCount[n]!; w < last; w++) {
    if (a <= m.twClose[w]!) return Math.max(a, m.twOpen[w]!);
  }
  return Infinity;
}

/** Whether vehicle v can take all its breaks on this task sequence (the other constraints are checked elsewhere). */
export function breaksFeasible(m: Model, v: number, node: ArrayLike<number>, len: number): boolean {
  return runBreakDp(m, v, node, len, null);
}

/** The earliest schedule of a route, breaks placed; `feasible` false when no placement keeps every window. */
export function buildSchedule(m: Model, v: number, node: ArrayLike<number>, len: number): Schedule {
  const B = m.brkCount[v]!;
  const first = m.brkFirst[v]!;
  const sched: Schedule = {
    feasible: true,
    arrival: new Float64Array(len + 2),
    start: new Float64Array(len + 2),
    setup: new Float64Array(len + 2),
    breakAfter: new Int32Array(B).fill(-1),
    breakArrival: new Float64Array(B),
    breakStart: new Float64Array(B),
  };
  if (B > 0) {
    const table = new Float64Array((len + 1) * 2 * (B + 1));
    sched.feasible = runBreakDp(m, v, node, len, table);
    if (sched.feasible) {
      let b = B;
      for (let k = len; k >= 0 && b > 0; k--) {
        // Q[k][b] came from a break in this gap unless the ready time before the gap's breaks already matched it.
        while (b > 0 && table[(k * 2 + 1) * (B + 1) + b]! < table[(k * 2) * (B + 1) + b]!) {
          b--;
          sched.breakAfter[b] = k;
        }
      }
    }
  }
  const T = m.classes[m.vClass[v]!]!.time;
  const S = m.stride;
  const typeOff = m.vType[v]! * m.nNodes;
  let ready = m.vTwStart[v]!;
  let prevLoc = m.vStart[v]!;
  sched.arrival[0] = sched.start[0] = ready;
  let b = 0;
  for (let k = 0; k <= len; k++) {
    while (b < B && sched.breakAfter[b] === k) {
      const brk = first + b;
      sched.breakArrival[b] = ready;
      const s = breakStartIn(m, brk, ready);
      sched.breakStart[b] = s === Infinity ? ready : s;
      ready = sched.breakStart[b]! + m.brkService[brk]!;
      b++;
    }
    if (k === len) {
      const a = ready + T[prevLoc * S + m.vEnd[v]!]!;
      sched.arrival[k + 1] = sched.start[k + 1] = a;
      if (a > m.vTwEnd[v]!) sched.feasible = false;
      break;
    }
    const n = node[k + 1]!;
    const l = m.loc[n]!;
    const a = ready + T[prevLoc * S + l]!;
    let s = startInWindows(m, n, a);
    if (s === Infinity) {
      sched.feasible = false;
      s = a;
    }
    const setup = prevLoc !== l ? m.setup[typeOff + n]! : 0;
    sched.arrival[k + 1] = a;
    sched.start[k + 1] = s;
    sched.setup[k + 1] = setup;
    ready = s + setup + m.service[typeOff + n]!;
    prevLoc = l;
  }
  if (b < B) sched.feasible = false;
  return sched;
}

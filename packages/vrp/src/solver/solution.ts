import type { Model } from './model.js';
import { Route } from './route.js';

/** The two lexicographic objectives. */
export type ObjectiveKind = 'native' | 'fleet';

/**
 * A solution's rank, compared field by field: VROOM's native order is priority of the unassigned tasks, then their
 * number, then cost; the fleet-minimising order puts the number of routes before the cost.
 */
export interface Objective {
  unassignedPriority: number;
  unassigned: number;
  routes: number;
  cost: number;
}

export function newObjective(): Objective {
  return { unassignedPriority: 0, unassigned: 0, routes: 0, cost: 0 };
}

/** −1 when a ranks before b, 1 after, 0 on the same rank apart from cost (compared by the caller). */
export function compareRank(a: Objective, b: Objective, kind: ObjectiveKind): number {
  if (a.unassignedPriority !== b.unassignedPriority) return a.unassignedPriority < b.unassignedPriority ? -1 : 1;
  if (a.unassigned !== b.unassigned) return a.unassigned < b.unassigned ? -1 : 1;
  if (kind === 'fleet' && a.routes !== b.routes) return a.routes < b.routes ? -1 : 1;
  return 0;
}

/** Strictly better, cost included (with a tolerance for float noise). */
export function isBetter(a: Objective, b: Objective, kind: ObjectiveKind): boolean {
  const r = compareRank(a, b, kind);
  return r < 0 || (r === 0 && a.cost < b.cost - 1e-9 * Math.max(1, Math.abs(b.cost)));
}

export function copyObjective(to: Objective, from: Objective): void {
  to.unassignedPriority = from.unassignedPriority;
  to.unassigned = from.unassigned;
  to.routes = from.routes;
  to.cost = from.cost;
}

/** One route per vehicle (possibly empty) and where each task is. */
export class Solution {
  readonly routes: Route[];
  /** Vehicle serving the node, −1 when unassigned. */
  readonly routeOf: Int32Array;
  /** Position of the node in its route (1-based). */
  readonly posOf: Int32Array;

  constructor(m: Model) {
    this.routes = [];
    const cap = Math.max(8, Math.min(64, m.nNodes));
    for (let v = 0; v < m.nVehicles; v++) {
      const r = new Route(m, v, cap);
      r.update(m);
      this.routes.push(r);
    }
    this.routeOf = new Int32Array(m.nNodes).fill(-1);
    this.posOf = new Int32Array(m.nNodes);
  }

  /** Recomputes route v's data and the node index after its sequence changed. */
  sync(m: Model, v: number): void {
    const r = this.routes[v]!;
    r.update(m);
    for (let k = 1; k <= r.len; k++) {
      const n = r.node[k]!;
      this.routeOf[n] = v;
      this.posOf[n] = k;
    }
  }

  /** Copies route v (sequence and cached data) from another solution of the same model. */
  copyRouteFrom(o: Solution, v: number): void {
    const mine = this.routes[v]!;
    for (let k = 1; k <= mine.len; k++) {
      const n = mine.node[k]!;
      if (this.routeOf[n] === v) this.routeOf[n] = -1;
    }
    const r = o.routes[v]!;
    mine.copyFrom(r);
    for (let k = 1; k <= r.len; k++) {
      const n = r.node[k]!;
      this.routeOf[n] = v;
      this.posOf[n] = k;
    }
  }

  copyFrom(o: Solution): void {
    for (let v = 0; v < this.routes.length; v++) this.routes[v]!.copyFrom(o.routes[v]!);
    this.routeOf.set(o.routeOf);
    this.posOf.set(o.posOf);
  }

  evaluate(m: Model, out: Objective): Objective {
    let cost = 0;
    let routes = 0;
    for (const r of this.routes) {
      if (r.len === 0) continue;
      cost += r.cost;
      routes++;
    }
    let unassigned = 0;
    let priority = 0;
    for (let n = 0; n < m.nNodes; n++) {
      if (this.routeOf[n] !== -1) continue;
      unassigned++;
      priority += m.priority[n]!;
    }
    out.unassignedPriority = priority;
    out.unassigned = unassigned;
    out.routes = routes;
    out.cost = cost;
    return out;
  }
}

import { DEFAULT_PROFILE } from '../vroom/validate.js';
import type { VroomInput, VroomProfileMatrices, VroomTimeWindow } from '../vroom/schema.js';
import { ModelError } from './model-error.js';
import { buildClass, buildNeighbours, collectMatrices, matrixSize } from './travel.js';

/**
 * The solver's view of a VROOM problem: every per-task and per-vehicle attribute in a flat typed array so the
 * search's inner loops read numbers, never objects.
 *
 * Nodes are the tasks a route visits: the jobs in input order, then each shipment as two nodes (pickup at
 * `nJobs + 2s`, delivery right after). Locations are matrix rows; one extra row (`virtualLoc`, all zeros) stands for
 * a missing vehicle start or end, so "the route begins at its first task" costs no branch on the hot path.
 */

export type MatricesByProfile = Record<string, VroomProfileMatrices>;

export { ModelError } from './model-error.js';

export const KIND_JOB = 0;
export const KIND_PICKUP = 1;
export const KIND_DELIVERY = 2;

/** Travel data shared by the vehicles with the same profile, speed factor and cost rates. */
export interface VehicleClass {
  /** Travel time (s), row-major over `stride` locations. */
  readonly time: Float64Array;
  /** Objective cost of each arc. */
  readonly cost: Float64Array;
  /**
   * The cost matrix transposed (the same array when symmetric): pricing task u at every position of every route
   * reads cost[from → u] down a column, one cache miss each on a large matrix; costT[u → from] reads along a row.
   */
  readonly costT: Float64Array;
  /** Metres, when the profile has a distances matrix. */
  readonly dist: Float64Array | null;
}

export interface Model {
  readonly nJobs: number;
  readonly nShipments: number;
  readonly nNodes: number;
  /** Amount dimensions (0: no capacity constraint at all). */
  readonly dims: number;
  /** Matrix rows + 1 (the virtual location). */
  readonly stride: number;
  readonly virtualLoc: number;

  // Per node.
  readonly loc: Int32Array;
  readonly kind: Uint8Array;
  /** The other end of a shipment, -1 for a job. */
  readonly partner: Int32Array;
  readonly priority: Int32Array;
  /** Load carried from the start for this node (a job's delivery), per dimension: node * dims + d. */
  readonly initLoad: Int32Array;
  /** Load change when the node is served (pickup − delivery), per dimension. */
  readonly deltaLoad: Int32Array;
  /** Offset and count of the node's time windows in twOpen/twClose, sorted (one [0, inf] window when none). */
  readonly twFirst: Int32Array;
  readonly twCount: Int32Array;
  readonly twOpen: Float64Array;
  readonly twClose: Float64Array;
  /** Per vehicle type (setup_per_type / service_per_type): type * nNodes + node. */
  readonly setup: Float64Array;
  readonly service: Float64Array;
  /** 1 when the vehicle has every skill the node needs: vehicle * nNodes + node. */
  readonly compat: Uint8Array;
  /** VROOM ids and descriptions, for output. */
  readonly nodeId: Float64Array;

  // Per vehicle.
  readonly nVehicles: number;
  readonly vehicleId: Float64Array;
  readonly vStart: Int32Array;
  readonly vEnd: Int32Array;
  readonly vHasStart: Uint8Array;
  readonly vHasEnd: Uint8Array;
  readonly vTwStart: Float64Array;
  readonly vTwEnd: Float64Array;
  /** vehicle * dims + d (0 when the vehicle gives no capacity, as VROOM reads it). */
  readonly vCapacity: Int32Array;
  readonly vClass: Int32Array;
  readonly vType: Int32Array;
  readonly vFixed: Float64Array;
  /** Cost per second of task time (per_task_hour / 3600). */
  readonly vTaskCostRate: Float64Array;
  readonly vMaxTasks: Int32Array;
  readonly vMaxTravelTime: Float64Array;
  readonly vMaxDistance: Float64Array;
  /** Interchangeable vehicles share a group: opening a new route tries one unused vehicle per group. */
  readonly vGroup: Int32Array;
  readonly nGroups: number;
  /** Breaks: vehicle's breaks are brkFirst[v] .. brkFirst[v] + brkCount[v] − 1, sorted by earliest window. */
  readonly brkFirst: Int32Array;
  readonly brkCount: Int32Array;
  readonly brkId: Float64Array;
  readonly brkService: Float64Array;
  readonly brkTwFirst: Int32Array;
  readonly brkTwCount: Int32Array;
  /** brk * dims + d; 2^31-1 when the break has no max_load. */
  readonly brkMaxLoad: Int32Array;

  readonly classes: readonly VehicleClass[];
  /** For each node, the other nodes by increasing travel cost (first class), for related removals; capped length. */
  readonly neighbours: Int32Array;
  readonly nNeighbours: number;
  /** Mean arc cost between tasks: the scale for annealing temperatures. */
  readonly meanArcCost: number;
  readonly input: VroomInput;
}

export const NO_LIMIT_INT = 0x7fffffff;
const MAX_NEIGHBOURS = 100;

/** Builds the model, throwing ModelError for what VROOM would reject (or could not route). */
export function buildModel(input: VroomInput, extraMatrices?: MatricesByProfile): Model {
  const jobs = input.jobs ?? [];
  const shipments = input.shipments ?? [];
  const vehicles = input.vehicles;
  if (vehicles.length === 0) throw new ModelError(2, 'Invalid vehicles: no vehicle given.');
  const nJobs = jobs.length;
  const nShipments = shipments.length;
  const nNodes = nJobs + 2 * nShipments;

  const matrices = collectMatrices(input, extraMatrices);
  const nLoc = matrixSize(matrices);
  const stride = nLoc + 1;
  const virtualLoc = nLoc;

  let dims = 0;
  for (const j of jobs) dims = Math.max(dims, (j.delivery ?? j.amount ?? []).length, (j.pickup ?? []).length);
  // (Validated inputs have one length everywhere; the maximum keeps unvalidated ones safe.)
  for (const s of shipments) dims = Math.max(dims, (s.amount ?? []).length);
  for (const v of vehicles) dims = Math.max(dims, (v.capacity ?? []).length);

  const typeNames = new Map<string, number>([['', 0]]);
  for (const v of vehicles) if (v.type !== undefined && !typeNames.has(v.type)) typeNames.set(v.type, typeNames.size);
  const nTypes = typeNames.size;

  const loc = new Int32Array(nNodes);
  const kind = new Uint8Array(nNodes);
  const partner = new Int32Array(nNodes).fill(-1);
  const priority = new Int32Array(nNodes);
  const initLoad = new Int32Array(nNodes * dims);
  const deltaLoad = new Int32Array(nNodes * dims);
  const twFirst = new Int32Array(nNodes);
  const twCount = new Int32Array(nNodes);
  const setup = new Float64Array(nTypes * nNodes);
  const service = new Float64Array(nTypes * nNodes);
  const nodeId = new Float64Array(nNodes);
  const nodeSkills: (readonly number[] | undefined)[] = new Array(nNodes);
  const opens: number[] = [];
  const closes: number[] = [];

  const addWindows = (windows: readonly VroomTimeWindow[] | undefined): [number, number] => {
    const first = opens.length;
    if (windows === undefined || windows.length === 0) {
      // VROOM's default window is [0, max]: times are unsigned.
      opens.push(0);
      closes.push(Infinity);
      return [first, 1];
    }
    const sorted = [...windows].sort((a, b) => a[0] - b[0]);
    for (const [o, c] of sorted) {
      opens.push(o);
      closes.push(c);
    }
    return [first, sorted.length];
  };
  const locationOf = (what: string, index: number | undefined): number => {
    if (index === undefined) throw new ModelError(2, `Missing location_index for ${what}.`);
    if (index >= nLoc) throw new ModelError(2, `location_index ${index} of ${what} exceeds the matrix size ${nLoc}.`);
    return index;
  };
  type TaskLike = { setup?: number; service?: number; setup_per_type?: Record<string, number>; service_per_type?: Record<string, number> };
  const setTimes = (node: number, t: TaskLike): void => {
    for (const [name, type] of typeNames) {
      setup[type * nNodes + node] = (name !== '' ? t.setup_per_type?.[name] : undefined) ?? t.setup ?? 0;
      service[type * nNodes + node] = (name !== '' ? t.service_per_type?.[name] : undefined) ?? t.service ?? 0;
    }
  };

  jobs.forEach((j, n) => {
    loc[n] = locationOf(`job ${j.id}`, j.location_index);
    kind[n] = KIND_JOB;
    priority[n] = j.priority ?? 0;
    nodeId[n] = j.id;
    nodeSkills[n] = j.skills;
    // VROOM's retro-compatibility: a lone `amount` is a delivery.
    const delivery = j.delivery ?? (j.pickup === undefined ? j.amount : undefined) ?? [];
    const pickup = j.pickup ?? [];
    for (let d = 0; d < dims; d++) {
      initLoad[n * dims + d] = delivery[d] ?? 0;
      deltaLoad[n * dims + d] = (pickup[d] ?? 0) - (delivery[d] ?? 0);
    }
    [twFirst[n], twCount[n]] = addWindows(j.time_windows);
    setTimes(n, j);
  });
  shipments.forEach((s, i) => {
    const p = nJobs + 2 * i;
    const d = p + 1;
    loc[p] = locationOf(`shipment pickup ${s.pickup.id}`, s.pickup.location_index);
    loc[d] = locationOf(`shipment delivery ${s.delivery.id}`, s.delivery.location_index);
    kind[p] = KIND_PICKUP;
    kind[d] = KIND_DELIVERY;
    partner[p] = d;
    partner[d] = p;
    priority[p] = priority[d] = s.priority ?? 0;
    nodeId[p] = s.pickup.id;
    nodeId[d] = s.delivery.id;
    nodeSkills[p] = nodeSkills[d] = s.skills;
    const amount = s.amount ?? [];
    for (let k = 0; k < dims; k++) {
      deltaLoad[p * dims + k] = amount[k] ?? 0;
      deltaLoad[d * dims + k] = -(amount[k] ?? 0);
    }
    [twFirst[p], twCount[p]] = addWindows(s.pickup.time_windows);
    [twFirst[d], twCount[d]] = addWindows(s.delivery.time_windows);
    setTimes(p, s.pickup);
    setTimes(d, s.delivery);
  });

  const nVehicles = vehicles.length;
  const vehicleId = new Float64Array(nVehicles);
  const vStart = new Int32Array(nVehicles);
  const vEnd = new Int32Array(nVehicles);
  const vHasStart = new Uint8Array(nVehicles);
  const vHasEnd = new Uint8Array(nVehicles);
  const vTwStart = new Float64Array(nVehicles);
  const vTwEnd = new Float64Array(nVehicles);
  const vCapacity = new Int32Array(nVehicles * dims);
  const vClass = new Int32Array(nVehicles);
  const vType = new Int32Array(nVehicles);
  const vFixed = new Float64Array(nVehicles);
  const vTaskCostRate = new Float64Array(nVehicles);
  const vMaxTasks = new Int32Array(nVehicles);
  const vMaxTravelTime = new Float64Array(nVehicles);
  const vMaxDistance = new Float64Array(nVehicles);
  const vGroup = new Int32Array(nVehicles);
  const brkFirst = new Int32Array(nVehicles);
  const brkCount = new Int32Array(nVehicles);
  const brkIds: number[] = [];
  const brkServices: number[] = [];
  const brkTwFirsts: number[] = [];
  const brkTwCounts: number[] = [];
  const brkMaxLoads: number[] = [];
  const classKeys = new Map<string, number>();
  const classes: VehicleClass[] = [];
  const groupKeys = new Map<string, number>();
  const compat = new Uint8Array(nVehicles * nNodes);

  vehicles.forEach((v, i) => {
    vehicleId[i] = v.id;
    if (v.start_index === undefined && v.end_index === undefined) {
      throw new ModelError(2, `Vehicle ${v.id} needs a start_index or an end_index.`);
    }
    vHasStart[i] = v.start_index === undefined ? 0 : 1;
    vHasEnd[i] = v.end_index === undefined ? 0 : 1;
    vStart[i] = v.start_index === undefined ? virtualLoc : locationOf(`vehicle ${v.id} start`, v.start_index);
    vEnd[i] = v.end_index === undefined ? virtualLoc : locationOf(`vehicle ${v.id} end`, v.end_index);
    vTwStart[i] = v.time_window?.[0] ?? 0;
    vTwEnd[i] = v.time_window?.[1] ?? Infinity;
    // VROOM reads a missing capacity as zeros.
    for (let d = 0; d < dims; d++) vCapacity[i * dims + d] = v.capacity?.[d] ?? 0;
    vType[i] = typeNames.get(v.type ?? '') ?? 0;
    vFixed[i] = v.costs?.fixed ?? 0;
    vTaskCostRate[i] = (v.costs?.per_task_hour ?? 0) / 3600;
    vMaxTasks[i] = v.max_tasks ?? NO_LIMIT_INT;
    vMaxTravelTime[i] = v.max_travel_time ?? Infinity;
    vMaxDistance[i] = v.max_distance ?? Infinity;

    const profile = v.profile ?? DEFAULT_PROFILE;
    const speed = v.speed_factor ?? 1;
    const perHour = v.costs?.per_hour ?? 3600;
    const perKm = v.costs?.per_km ?? 0;
    const classKey = `${profile}\u0000${speed}\u0000${perHour}\u0000${perKm}`;
    let cls = classKeys.get(classKey);
    if (cls === undefined) {
      cls = classes.length;
      classKeys.set(classKey, cls);
      classes.push(buildClass(matrices, profile, speed, perHour, perKm, nLoc, v));
    }
    if (vMaxDistance[i]! < Infinity && classes[cls]!.dist === null) {
      throw new ModelError(3, `Vehicle ${v.id} has max_distance but profile ${profile} has no distances matrix.`);
    }
    vClass[i] = cls;

    const breaks = [...(v.breaks ?? [])].sort((a, b) => firstOpen(a.time_windows) - firstOpen(b.time_windows));
    brkFirst[i] = brkIds.length;
    brkCount[i] = breaks.length;
    for (const b of breaks) {
      const [f, c] = addWindows(b.time_windows);
      brkIds.push(b.id);
      brkServices.push(b.service ?? 0);
      brkTwFirsts.push(f);
      brkTwCounts.push(c);
      for (let d = 0; d < dims; d++) brkMaxLoads.push(b.max_load === undefined ? NO_LIMIT_INT : (b.max_load[d] ?? 0));
    }

    const skills = new Set(v.skills ?? []);
    for (let n = 0; n < nNodes; n++) {
      const need = nodeSkills[n];
      let ok = 1;
      if (need !== undefined) for (const s of need) if (!skills.has(s)) ok = 0;
      compat[i * nNodes + n] = ok;
    }
    const groupKey = JSON.stringify([
      v.start_index, v.end_index, v.time_window, v.capacity, v.skills === undefined ? [] : [...skills].sort(), v.breaks,
      cls, vType[i], v.costs?.fixed, v.costs?.per_task_hour, v.max_tasks, v.max_travel_time, v.max_distance,
    ]);
    let group = groupKeys.get(groupKey);
    if (group === undefined) {
      group = groupKeys.size;
      groupKeys.set(groupKey, group);
    }
    vGroup[i] = group;
  });

  const nNeighbours = Math.min(MAX_NEIGHBOURS, Math.max(0, nNodes - 1));
  const neighbours = buildNeighbours(loc, classes[0]!.cost, stride, nNodes, nNeighbours);
  let arcSum = 0;
  let arcs = 0;
  const cost0 = classes[0]!.cost;
  const sampleStep = Math.max(1, Math.floor(nNodes / 200));
  for (let a = 0; a < nNodes; a += sampleStep) {
    for (let b = 0; b < nNodes; b += sampleStep) {
      if (a === b) continue;
      arcSum += cost0[loc[a]! * stride + loc[b]!]!;
      arcs++;
    }
  }
  const meanArcCost = arcs > 0 && arcSum > 0 ? arcSum / arcs : 1;

  return {
    nJobs, nShipments, nNodes, dims, stride, virtualLoc,
    loc, kind, partner, priority, initLoad, deltaLoad, twFirst, twCount,
    twOpen: Float64Array.from(opens), twClose: Float64Array.from(closes), setup, service, compat, nodeId,
    nVehicles, vehicleId, vStart, vEnd, vHasStart, vHasEnd, vTwStart, vTwEnd, vCapacity, vClass, vType, vFixed,
    vTaskCostRate, vMaxTasks, vMaxTravelTime, vMaxDistance, vGroup, nGroups: groupKeys.size,
    brkFirst, brkCount, brkId: Float64Array.from(brkIds), brkService: Float64Array.from(brkServices),
    brkTwFirst: Int32Array.from(brkTwFirsts), brkTwCount: Int32Array.from(brkTwCounts), brkMaxLoad: Int32Array.from(brkMaxLoads),
    classes, neighbours, nNeighbours, meanArcCost, input,
  };
}

function firstOpen(windows: readonly VroomTimeWindow[] | undefined): number {
  let m = Infinity;
  for (const w of windows ?? []) m = Math.min(m, w[0]);
  return m === Infinity ? 0 : m;
}

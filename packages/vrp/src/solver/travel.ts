import { DEFAULT_PROFILE } from '../vroom/validate.js';
import type { VroomInput, VroomVehicle } from '../vroom/schema.js';
import type { MatricesByProfile, VehicleClass } from './model.js';
import { ModelError } from './model-error.js';

/** The model's travel data: the problem's matrices per vehicle class, and nearest-task lists. */


export function collectMatrices(input: VroomInput, extra: MatricesByProfile | undefined): MatricesByProfile {
  const out: MatricesByProfile = {};
  if (input.matrix !== undefined) out[DEFAULT_PROFILE] = { durations: input.matrix };
  for (const [profile, m] of Object.entries(input.matrices ?? {})) out[profile] = { ...out[profile], ...m };
  for (const [profile, m] of Object.entries(extra ?? {})) out[profile] = { ...m, ...out[profile] };
  return out;
}

export function matrixSize(matrices: MatricesByProfile): number {
  let size = -1;
  for (const [profile, m] of Object.entries(matrices)) {
    for (const matrix of [m.durations, m.distances, m.costs]) {
      if (matrix === undefined) continue;
      if (size >= 0 && matrix.length !== size) {
        throw new ModelError(2, `Inconsistent matrix sizes: profile ${profile} has ${matrix.length} rows, expected ${size}.`);
      }
      size = matrix.length;
      for (const row of matrix) {
        if (row.length !== size) throw new ModelError(2, `Matrix of profile ${profile} is not square.`);
      }
    }
  }
  if (size < 0) throw new ModelError(3, 'No custom matrix given: the embedded solver needs matrices (it does no routing).');
  return size;
}

/**
 * VROOM divides travel times by the vehicle's speed_factor and prices an arc at
 * per_hour × duration / 3600 + per_km × distance / 1000 unless the profile gives a costs matrix.
 */
export function buildClass(
  matrices: MatricesByProfile, profile: string, speed: number, perHour: number, perKm: number, nLoc: number, v: VroomVehicle,
): VehicleClass {
  const m = matrices[profile];
  if (m === undefined || m.durations === undefined) {
    throw new ModelError(3, `No durations matrix for profile ${profile} (vehicle ${v.id}).`);
  }
  if (perKm > 0 && m.distances === undefined && m.costs === undefined) {
    throw new ModelError(3, `Vehicle ${v.id} has costs.per_km but profile ${profile} has no distances matrix.`);
  }
  const stride = nLoc + 1;
  const time = new Float64Array(stride * stride);
  const cost = new Float64Array(stride * stride);
  const dist = m.distances === undefined ? null : new Float64Array(stride * stride);
  for (let i = 0; i < nLoc; i++) {
    const dRow = m.durations[i]!;
    const mRow = m.distances?.[i];
    const cRow = m.costs?.[i];
    for (let j = 0; j < nLoc; j++) {
      const t = dRow[j]! / speed;
      const k = i * stride + j;
      time[k] = t;
      if (dist !== null) dist[k] = mRow![j]!;
      cost[k] = cRow !== undefined ? cRow[j]! : (perHour * t) / 3600 + (perKm * (mRow?.[j] ?? 0)) / 1000;
    }
  }
  let symmetric = true;
  for (let i = 0; i < nLoc && symmetric; i++) {
    for (let j = i + 1; j < nLoc; j++) {
      if (cost[i * stride + j] !== cost[j * stride + i]) {
        symmetric = false;
        break;
      }
    }
  }
  let costT = cost;
  if (!symmetric) {
    costT = new Float64Array(stride * stride);
    for (let i = 0; i < stride; i++) for (let j = 0; j < stride; j++) costT[j * stride + i] = cost[i * stride + j]!;
  }
  return { time, cost, costT, dist };
}

export function buildNeighbours(loc: Int32Array, cost: Float64Array, stride: number, nNodes: number, k: number): Int32Array {
  const out = new Int32Array(nNodes * k);
  const order = new Int32Array(nNodes);
  const key = new Float64Array(nNodes);
  for (let a = 0; a < nNodes; a++) {
    for (let b = 0; b < nNodes; b++) {
      order[b] = b;
      // Symmetrised so "close" means close both ways on asymmetric matrices.
      key[b] = b === a ? Infinity : cost[loc[a]! * stride + loc[b]!]! + cost[loc[b]! * stride + loc[a]!]!;
    }
    const sorted = Array.from(order).sort((x, y) => key[x]! - key[y]!);
    for (let i = 0; i < k; i++) out[a * k + i] = sorted[i]!;
  }
  return out;
}

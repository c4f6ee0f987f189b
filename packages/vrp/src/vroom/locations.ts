import type { VroomInput, VroomLocation } from './schema.js';

/**
 * Matrix indices for every location of a problem.
 *
 * With custom matrices, VROOM's input already carries `location_index` / `start_index` / `end_index`. Without them,
 * VROOM numbers the distinct coordinates itself and asks a routing engine for the table; Fieldtrace does the same with
 * its travel-time source. This module is the single place that numbering happens, so the matrix builder, the solver
 * and the feasibility checker agree on which row is which place.
 */

export interface IndexedLocations {
  /** The input with every task and vehicle end point carrying a matrix index (a copy when indices were added). */
  input: VroomInput;
  /**
   * Coordinates by matrix index, for building the matrices. Entries are undefined for indices whose coordinates the
   * input does not give (custom matrices with index-only locations).
   */
  locations: (VroomLocation | undefined)[];
}

/** True when the input locates its tasks by matrix index (it has custom matrices), false when by coordinates only. */
export function usesMatrixIndices(input: VroomInput): boolean {
  return input.matrix !== undefined || (input.matrices !== undefined && Object.keys(input.matrices).length > 0);
}

/**
 * Gives every location a matrix index. Inputs with custom matrices are returned as they are (their indices are the
 * user's); coordinates-only inputs get indices by distinct `[lon, lat]`, numbered in VROOM's parse order: vehicles
 * (start, then end), jobs, shipments (pickup, then delivery). The caller's objects are not modified. Expects an input
 * accepted by validateVroomInput (every location present).
 */
export function indexLocations(input: VroomInput): IndexedLocations {
  if (usesMatrixIndices(input)) return { input, locations: knownCoordinates(input) };

  const locations: VroomLocation[] = [];
  const indexByKey = new Map<string, number>();
  const indexOf = (location: VroomLocation | undefined): number | undefined => {
    if (location === undefined) return undefined;
    const key = `${location[0]},${location[1]}`;
    let index = indexByKey.get(key);
    if (index === undefined) {
      index = locations.length;
      locations.push(location);
      indexByKey.set(key, index);
    }
    return index;
  };

  const vehicles = input.vehicles.map((v) => withDefined(v, { start_index: indexOf(v.start), end_index: indexOf(v.end) }));
  const jobs = input.jobs?.map((j) => withDefined(j, { location_index: indexOf(j.location) }));
  const shipments = input.shipments?.map((s) => ({
    ...s,
    pickup: withDefined(s.pickup, { location_index: indexOf(s.pickup.location) }),
    delivery: withDefined(s.delivery, { location_index: indexOf(s.delivery.location) }),
  }));
  const indexed: VroomInput = { ...input, vehicles };
  if (jobs !== undefined) indexed.jobs = jobs;
  if (shipments !== undefined) indexed.shipments = shipments;
  return { input: indexed, locations };
}

/** Coordinates the user gave next to their indices, so a missing profile matrix can still be computed. */
function knownCoordinates(input: VroomInput): (VroomLocation | undefined)[] {
  const locations: (VroomLocation | undefined)[] = [];
  const note = (index: number | undefined, location: VroomLocation | undefined): void => {
    if (index === undefined || location === undefined) return;
    while (locations.length <= index) locations.push(undefined);
    locations[index] ??= location;
  };
  for (const v of input.vehicles) {
    note(v.start_index, v.start);
    note(v.end_index, v.end);
  }
  for (const j of input.jobs ?? []) note(j.location_index, j.location);
  for (const s of input.shipments ?? []) {
    note(s.pickup.location_index, s.pickup.location);
    note(s.delivery.location_index, s.delivery.location);
  }
  return locations;
}

/** A copy of `base` with the defined entries of `extra` set (an optional key stays absent rather than undefined). */
function withDefined<T extends object>(base: T, extra: Partial<Record<string, number | undefined>>): T {
  const copy: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) copy[key] = value;
  return copy as T;
}

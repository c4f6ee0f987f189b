import { indexLocations, DEFAULT_PROFILE, type VroomInput, type VroomMatrix } from '@fieldtrace/vrp';
import type { TravelTimeSource } from '@fieldtrace/travel-time';

/**
 * Above this many distinct locations a computed matrix is refused: its size grows with the square (1000 locations are
 * two million entries), and vroom-express refuses such problems by default too (its `maxlocations`, 1000).
 */
export const MAX_COMPUTED_LOCATIONS = 1000;

/** Origins per turn of the event loop while a matrix is built, so other requests are served meanwhile. */
const ROWS_PER_TURN = 16;

export class TooManyLocations extends Error {
  readonly locations: number;
  constructor(locations: number) {
    super(`Too many locations for a computed matrix: ${locations} (at most ${MAX_COMPUTED_LOCATIONS}); send your own matrices.`);
    this.name = 'TooManyLocations';
    this.locations = locations;
  }
}

/**
 * Where VROOM would ask its routing engine, the embedded solver gets matrices from the tenant's travel-time source:
 * for every vehicle profile without a custom `durations` matrix, a durations and distances matrix over the problem's
 * coordinates (one `durations()` call per origin, leaving at `at`, Unix ms), indexed as indexLocations(input) numbers
 * them: what solveVroom's `matrices` option takes. Undefined, and `source` never asked for, when the input brings
 * every matrix it needs. Throws TooManyLocations past MAX_COMPUTED_LOCATIONS.
 */
export async function travelMatricesFor(
  input: VroomInput, source: () => Promise<TravelTimeSource>, at: number,
): Promise<Record<string, { durations: VroomMatrix; distances: VroomMatrix }> | undefined> {
  const missing = new Set<string>();
  for (const v of input.vehicles) {
    const profile = v.profile ?? DEFAULT_PROFILE;
    if (input.matrices?.[profile]?.durations === undefined) missing.add(profile);
  }
  if (missing.size === 0) return undefined;

  const { locations } = indexLocations(input);
  if (locations.length > MAX_COMPUTED_LOCATIONS) throw new TooManyLocations(locations.length);
  const { durations, distances } = await travelMatrices(locations, await source(), at);
  const matrices: Record<string, { durations: VroomMatrix; distances: VroomMatrix }> = {};
  // One travel model for every profile: Fieldtrace learns one per fleet, not per vehicle type.
  for (const profile of missing) matrices[profile] = { durations, distances: input.matrices?.[profile]?.distances ?? distances };
  return matrices;
}

async function travelMatrices(
  locations: readonly ([number, number] | undefined)[],
  source: TravelTimeSource,
  at: number,
): Promise<{ durations: VroomMatrix; distances: VroomMatrix }> {
  const n = locations.length;
  // Indices the input never gives coordinates for (custom indices with gaps) stay 0: no task or vehicle is there.
  const known: [number, number][] = [];
  const knownIndex: number[] = [];
  locations.forEach((l, i) => {
    if (l) {
      known.push(l);
      knownIndex.push(i);
    }
  });
  const durations: VroomMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const distances: VroomMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 0; k < known.length; k++) {
    if (k > 0 && k % ROWS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const from = knownIndex[k]!;
    const estimates = await source.durations(known[k]!, known, at);
    const durationRow = durations[from]!;
    const distanceRow = distances[from]!;
    for (let c = 0; c < known.length; c++) {
      const to = knownIndex[c]!;
      if (to === from) continue;
      const e = estimates[c]!;
      // VROOM's matrices are unsigned integers (seconds, metres).
      durationRow[to] = Math.max(0, Math.round(e.seconds));
      distanceRow[to] = Math.max(0, Math.round(e.distanceM));
    }
  }
  return { durations, distances };
}

import type { LonLat } from '@fieldtrace/protocol';
import type { VroomInput, VroomJob, VroomVehicle } from '@fieldtrace/vrp';

/**
 * A tenant's open work as a VROOM problem. Times are seconds from `origin` (the moment of planning), so the numbers
 * stay small and the output's arrivals convert back by adding them to it. What is under way is not the solver's to
 * move: a job on site keeps its vehicle there until its service ends, and a job the vehicle is driving to stays its
 * next stop — both are folded into where and when the vehicle becomes free (its start), and left out of the problem.
 */
export interface PlanningJob {
  id: string;
  lat: number;
  lon: number;
  status: string;
  vehicleId: string | null;
  routeOrder: number | null;
  /** Appointment window, Unix ms. */
  windowStart: number | null;
  windowEnd: number | null;
  priority: number;
  serviceS: number;
  requiredSkills: readonly string[];
  /** When the vehicle arrived (on site jobs). */
  arrivedAt: number | null;
}

export interface PlanningVehicle {
  id: string;
  /** Last known position and its time; null: never seen (cannot be planned). */
  lat: number | null;
  lon: number | null;
  positionTs: number | null;
  skills: readonly string[];
  shiftStart: number | null;
  shiftEnd: number | null;
}

/** Seconds (and metres) from one place to several, in order. */
export type TravelTimes = (from: LonLat, to: readonly LonLat[], at: number) => Promise<Array<{ seconds: number; distanceM: number }>>;

/** The leg a vehicle is committed to: its job under way (on site, or being driven to). */
export interface CommittedLeg {
  jobId: string;
  /** Predicted arrival and service start at that job, Unix ms (the arrival for on site jobs). */
  arrival: number;
  serviceStart: number;
  /** When the vehicle is free again, Unix ms. */
  freeAt: number;
}

export interface DayProblem {
  input: VroomInput;
  origin: number;
  /** VROOM job id n is jobIds[n - 1]; vehicle id n is vehicleIds[n - 1]. */
  jobIds: string[];
  vehicleIds: string[];
  /** Per planned vehicle, the leg it is committed to. */
  committed: Map<string, CommittedLeg>;
  /** Vehicles left out (never seen, or silent too long); their jobs not under way go to others. */
  unavailable: string[];
  /** Movable jobs considered. */
  jobs: PlanningJob[];
  /** Warm start: each planned vehicle's movable jobs in their current order (VROOM ids). */
  initial: Array<{ vehicle: number; steps: Array<{ type: 'job'; id: number }> }>;
}

export interface DayProblemOptions {
  /** A vehicle not heard from for this long is not planned (offline, broken down), ms. */
  staleAfterMs: number;
  /** Horizon end when a vehicle has no shift end, seconds after origin. */
  horizonS: number;
}

const MOVABLE: ReadonlySet<string> = new Set(['scheduled', 'assigned']);

export async function buildDayProblem(
  jobs: readonly PlanningJob[],
  vehicles: readonly PlanningVehicle[],
  now: number,
  travel: TravelTimes,
  opts: DayProblemOptions,
): Promise<DayProblem> {
  const skillIds = new Map<string, number>();
  const skillsOf = (names: readonly string[]) => names.map((s) => skillIds.get(s) ?? (skillIds.set(s, skillIds.size + 1), skillIds.size));
  const sec = (ms: number) => Math.max(0, Math.round((ms - now) / 1000));

  // Where and when each usable vehicle becomes free.
  const committed = new Map<string, CommittedLeg>();
  const starts: Array<{ vehicle: PlanningVehicle; at: LonLat; freeAt: number }> = [];
  const unavailable: string[] = [];
  const underWay = new Map<string, PlanningJob>();
  for (const j of jobs) {
    if (j.vehicleId === null || (j.status !== 'on_site' && j.status !== 'en_route')) continue;
    const known = underWay.get(j.vehicleId);
    // On site beats en route; otherwise the earlier in the route.
    if (!known || (j.status === 'on_site' && known.status !== 'on_site') || (j.status === known.status && (j.routeOrder ?? 0) < (known.routeOrder ?? 0))) {
      underWay.set(j.vehicleId, j);
    }
  }
  for (const v of vehicles) {
    if (v.lat === null || v.lon === null || v.positionTs === null || now - v.positionTs > opts.staleAfterMs) {
      unavailable.push(v.id);
      continue;
    }
    const leg = underWay.get(v.id);
    if (!leg) {
      starts.push({ vehicle: v, at: [v.lon, v.lat], freeAt: Math.max(now, v.shiftStart ?? now) });
      continue;
    }
    let arrival: number;
    if (leg.status === 'on_site') arrival = leg.arrivedAt ?? now;
    else arrival = now + Math.round((await travel([v.lon, v.lat], [[leg.lon, leg.lat]], now))[0]!.seconds * 1000);
    const serviceStart = Math.max(arrival, leg.windowStart ?? arrival);
    const freeAt = Math.max(now, serviceStart + leg.serviceS * 1000);
    committed.set(v.id, { jobId: leg.id, arrival, serviceStart, freeAt });
    starts.push({ vehicle: v, at: [leg.lon, leg.lat], freeAt });
  }

  // Under way (on site, or being driven to) is never the solver's: even a vehicle that went silent may still be on
  // its way, and a dispatcher reassigns that one job by hand. Its other jobs move.
  const movable = jobs.filter((j) => MOVABLE.has(j.status));

  // Matrix over vehicle starts then job sites (one index per distinct place).
  const places: LonLat[] = starts.map((s) => s.at);
  const placeIndex = new Map<string, number>();
  const jobPlace = movable.map((j) => {
    const key = `${j.lon},${j.lat}`;
    let i = placeIndex.get(key);
    if (i === undefined) {
      i = places.length;
      places.push([j.lon, j.lat]);
      placeIndex.set(key, i);
    }
    return i;
  });
  const durations: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < places.length; i++) {
    const row = await travel(places[i]!, places, now);
    durations.push(row.map((r, k) => (k === i ? 0 : Math.round(r.seconds))));
    distances.push(row.map((r, k) => (k === i ? 0 : Math.round(r.distanceM))));
  }

  const vroomJobs: VroomJob[] = movable.map((j, n) => {
    const job: VroomJob = { id: n + 1, location_index: jobPlace[n]!, service: j.serviceS, priority: j.priority };
    if (j.requiredSkills.length > 0) job.skills = skillsOf(j.requiredSkills);
    // A window already over is dropped (the job is late whatever happens): the solver serves it as early as it can.
    if (j.windowEnd !== null && j.windowEnd > now) job.time_windows = [[sec(j.windowStart ?? now), sec(j.windowEnd)]];
    return job;
  });
  const vroomVehicles: VroomVehicle[] = starts.map((s, n) => {
    const v: VroomVehicle = {
      id: n + 1,
      start_index: n,
      time_window: [sec(s.freeAt), s.vehicle.shiftEnd !== null ? Math.max(sec(s.freeAt), sec(s.vehicle.shiftEnd)) : opts.horizonS],
    };
    if (s.vehicle.skills.length > 0) v.skills = skillsOf(s.vehicle.skills);
    return v;
  });
  // Skills only a job names still need an id on both sides: a vehicle without it cannot take the job.
  for (const v of vroomVehicles) v.skills ??= [];
  const vroomJobOf = new Map(movable.map((j, n) => [j.id, n + 1]));
  const initial = starts.map((st, n) => ({
    vehicle: n + 1,
    steps: movable
      .filter((j) => j.vehicleId === st.vehicle.id)
      .sort((a, b) => (a.routeOrder ?? Infinity) - (b.routeOrder ?? Infinity) || (a.windowStart ?? Infinity) - (b.windowStart ?? Infinity))
      .map((j) => ({ type: 'job' as const, id: vroomJobOf.get(j.id)! })),
  }));
  return {
    initial,
    input: { jobs: vroomJobs, vehicles: vroomVehicles, matrices: { car: { durations, distances } } },
    origin: now,
    jobIds: movable.map((j) => j.id),
    vehicleIds: starts.map((s) => s.vehicle.id),
    committed,
    unavailable,
    jobs: movable,
  };
}

import { WIRE_VERSION, type Plan, type PlanMove, type PlannedRoute, type PlanTrigger } from '@fieldtrace/protocol';
import type { VroomSolution } from '@fieldtrace/vrp';
import type { DayProblem, PlanningJob } from './day-problem.js';

export interface PlanMeta {
  id: string;
  tenantId: string;
  createdAt: number;
  trigger: PlanTrigger;
  backend: Plan['backend'];
  fallbackReason?: string | undefined;
}

/**
 * The solver's answer in the platform's words: per vehicle its committed leg then the stops the solver chose, with
 * predicted arrivals in Unix ms, the jobs it could not place, and the moves against the jobs' current assignment
 * (a job moves when its vehicle changes or its place among that vehicle's open jobs does).
 */
export function planFromSolution(problem: DayProblem, output: VroomSolution, openJobs: readonly PlanningJob[], meta: PlanMeta): Plan {
  const at = (s: number) => problem.origin + s * 1000;
  const byVroomVehicle = new Map(output.routes.map((r) => [r.vehicle, r]));
  const routes: PlannedRoute[] = problem.vehicleIds.map((vehicleId, n) => {
    const route = byVroomVehicle.get(n + 1);
    const leg = problem.committed.get(vehicleId);
    const stops = leg ? [{ jobId: leg.jobId, arrival: leg.arrival, serviceStart: leg.serviceStart }] : [];
    for (const step of route?.steps ?? []) {
      if (step.type !== 'job' || step.id === undefined) continue;
      stops.push({ jobId: problem.jobIds[step.id - 1]!, arrival: at(step.arrival), serviceStart: at(step.arrival + step.waiting_time) });
    }
    return { vehicleId, stops, durationS: route?.duration ?? 0, distanceM: route?.distance ?? 0 };
  });
  const unassigned = output.unassigned.filter((u) => u.type === 'job').map((u) => problem.jobIds[u.id - 1]!);

  const planned = new Map<string, { vehicleId: string | null; order: number | null }>();
  for (const r of routes) r.stops.forEach((s, order) => planned.set(s.jobId, { vehicleId: r.vehicleId, order }));
  for (const jobId of unassigned) planned.set(jobId, { vehicleId: null, order: null });
  const current = currentPlaces(openJobs);
  const moves: PlanMove[] = [];
  for (const [jobId, to] of planned) {
    const from = current.get(jobId) ?? { vehicleId: null, order: null };
    if (from.vehicleId === to.vehicleId && from.order === to.order) continue;
    moves.push({ jobId, fromVehicleId: from.vehicleId, toVehicleId: to.vehicleId, fromOrder: from.order, toOrder: to.order });
  }
  const plan: Plan = {
    v: WIRE_VERSION,
    id: meta.id,
    tenantId: meta.tenantId,
    createdAt: meta.createdAt,
    trigger: meta.trigger,
    status: 'proposed',
    backend: meta.backend,
    routes,
    unassigned,
    moves,
  };
  if (meta.fallbackReason) plan.fallbackReason = meta.fallbackReason;
  return plan;
}

/** Each assigned open job's vehicle and its place among that vehicle's open jobs (route order, window, id). */
function currentPlaces(jobs: readonly PlanningJob[]): Map<string, { vehicleId: string | null; order: number | null }> {
  const byVehicle = new Map<string, PlanningJob[]>();
  const out = new Map<string, { vehicleId: string | null; order: number | null }>();
  for (const j of jobs) {
    if (j.vehicleId === null) {
      out.set(j.id, { vehicleId: null, order: null });
      continue;
    }
    let list = byVehicle.get(j.vehicleId);
    if (!list) byVehicle.set(j.vehicleId, (list = []));
    list.push(j);
  }
  const rank = (j: PlanningJob) => (j.status === 'on_site' ? -2 : j.status === 'en_route' ? -1 : 0);
  for (const [vehicleId, list] of byVehicle) {
    list.sort((a, b) => rank(a) - rank(b) || (a.routeOrder ?? Infinity) - (b.routeOrder ?? Infinity) ||
      (a.windowStart ?? Infinity) - (b.windowStart ?? Infinity) || (a.id < b.id ? -1 : 1));
    list.forEach((j, order) => out.set(j.id, { vehicleId, order }));
  }
  return out;
}

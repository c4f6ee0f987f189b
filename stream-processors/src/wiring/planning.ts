import { busTopic, type LonLat, type Plan } from '@fieldtrace/protocol';
import type { Bus, Clock, Logger } from '@fieldtrace/service-kit';
import { applyPlan, loadPlanningSettings, planAppliedMessages, savePlan, type Db } from '@fieldtrace/store';
import { learnedTravelTimes, osrmTable, valhallaMatrix } from '@fieldtrace/travel-time';
import { embeddedBackend, insertOne, solveInWorker, vroomExpressClient, withFallback, type VroomInput, type VroomOutput, type VrpBackend } from '@fieldtrace/vrp';
import { profileOf, type EtaState } from '../eta/eta-core.js';
import type { DayProblem, TravelTimes } from '../planning/day-problem.js';
import { createPlanner, type Planner, type PlannerOptions } from '../planning/planner.js';
import { loadOpenJobs, loadPlanningVehicles } from '../planning/planning-loader.js';

export interface PlanningWiringOptions extends PlannerOptions {
  vroomUrl?: string | undefined;
  vroomTimeoutMs: number;
  vroomRetries: number;
  /** A routing engine's table service for the matrices; the fleet's learned speeds answer when absent or failing. */
  matrixKind?: 'osrm' | 'valhalla' | undefined;
  matrixUrl?: string | undefined;
  matrixTimeoutMs: number;
}

/** Travel times are asked per origin; one planning run asks each row once, so cache rows per hour for reruns. */
const MAX_CACHED_ROWS = 5000;

/**
 * The planner wired to the database (open jobs, vehicles, plans, the tenant's auto-apply setting), travel times (an
 * OSRM/Valhalla table when configured, else the fleet's learned speeds from the ETA processor), the solver (a remote vroom-express first when VROOM_URL is set,
 * the embedded solver in a worker thread otherwise or as the fallback) and the bus (plans, and the job changes an
 * automatic apply makes — announced exactly as the API announces a dispatcher's apply).
 */
export function createPlanningService(opts: PlanningWiringOptions, deps: { db: Db; bus: Bus; logger: Logger; clock: Clock; eta: EtaState }): Planner {
  const { db, bus, logger, clock, eta } = deps;
  const remote = opts.vroomUrl ? vroomExpressClient({ url: opts.vroomUrl, timeoutMs: opts.vroomTimeoutMs, retries: opts.vroomRetries }) : null;
  const rows = new Map<string, Array<{ seconds: number; distanceM: number }>>();

  function travel(tenantId: string): TravelTimes {
    const learned = learnedTravelTimes(profileOf(eta, tenantId));
    const engine = opts.matrixKind === 'osrm' ? osrmTable : opts.matrixKind === 'valhalla' ? valhallaMatrix : null;
    const source = engine && opts.matrixUrl ? engine({ baseUrl: opts.matrixUrl, timeoutMs: opts.matrixTimeoutMs, fallback: learned }) : learned;
    return async (from: LonLat, to: readonly LonLat[], at: number) => {
      const key = `${tenantId}|${Math.floor(at / 3_600_000)}|${from[0]},${from[1]}|${to.map((p) => `${p[0]},${p[1]}`).join(';')}`;
      let row = rows.get(key);
      if (!row) {
        row = (await source.durations(from, to, at)).map((e) => ({ seconds: e.seconds, distanceM: e.distanceM }));
        if (rows.size >= MAX_CACHED_ROWS) rows.clear();
        rows.set(key, row);
      }
      return row;
    };
  }

  async function solve(input: VroomInput, initial: DayProblem['initial']): Promise<VroomOutput & { fieldtrace?: { backend: Plan['backend']; fallbackReason?: string | undefined } }> {
    // The embedded search starts from the current routes (VROOM has no warm start: a remote one plans afresh).
    const embedded = embeddedBackend((problem, solveOpts) =>
      solveInWorker(problem, { budgetMs: opts.budgetMs, initial, ...(solveOpts?.signal ? { signal: solveOpts.signal } : {}) }));
    const backend: VrpBackend = remote
      ? withFallback(remote, embedded, { onFallback: (reason) => logger.warn({ reason }, 'vroom-express could not answer; the embedded solver planned') })
      : embedded;
    const output = await backend.solve(input);
    return 'fieldtrace' in output ? output : { ...output, fieldtrace: { backend: backend.name } };
  }

  async function publish(plan: Plan, input: VroomInput, output: VroomOutput): Promise<void> {
    await savePlan(db, plan, input, output);
    const settings = await loadPlanningSettings(db, plan.tenantId);
    if (!settings?.autoApply) {
      bus.publish(busTopic(plan.tenantId, 'plan'), plan);
      return;
    }
    const now = clock.now();
    const messages = planAppliedMessages(await applyPlan(db, plan.tenantId, plan.id, now), now);
    for (const m of messages.statusChanges) bus.publish(busTopic(m.tenantId, 'job'), m);
    for (const m of messages.changed) bus.publish(busTopic(m.tenantId, 'changed'), m);
    for (const m of messages.plans) bus.publish(busTopic(m.tenantId, 'plan'), m);
  }

  return createPlanner(opts, {
    logger,
    clock,
    insert(input, current, jobId) {
      const r = insertOne(input, current, jobId);
      return r.ok ? r.output : null;
    },
    loadJobs: (tenantId) => loadOpenJobs(db, tenantId),
    loadVehicles: (tenantId) => loadPlanningVehicles(db, tenantId),
    travel,
    solve,
    publish,
  });
}

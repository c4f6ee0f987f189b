import type { Plan, PlanTrigger } from '@fieldtrace/protocol';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { VroomInput, VroomOutput, VroomSolution } from '@fieldtrace/vrp';
import { buildDayProblem, type DayProblem, type PlanningJob, type PlanningVehicle, type TravelTimes } from './day-problem.js';
import { planFromSolution } from './plan-from-solution.js';

export interface PlannerOptions {
  /** Triggers arriving within this of each other make one re-plan, ms. */
  debounceMs: number;
  /** Solver time budget per re-plan, ms. */
  budgetMs: number;
  /** A vehicle silent for longer is left out of the plan (offline, broken down), ms. */
  staleAfterMs: number;
  /** Planning horizon for vehicles without a shift end, seconds. */
  horizonS: number;
}

/** What the planner needs from the world; the adapter wires these to the database, the solver and the bus. */
export interface PlannerDeps {
  logger: Logger;
  clock: Clock;
  loadJobs(tenantId: string): Promise<PlanningJob[]>;
  loadVehicles(tenantId: string): Promise<PlanningVehicle[]>;
  travel(tenantId: string): TravelTimes;
  /**
   * Solves off the event loop (a worker thread, or a remote VROOM with the embedded solver as fallback), starting the
   * embedded search from `initial` (the current routes).
   */
  solve(input: VroomInput, initial: DayProblem['initial']): Promise<VroomOutput & { fieldtrace?: { backend: Plan['backend']; fallbackReason?: string | undefined } }>;
  /**
   * Smart assignment: the cheapest feasible vehicle and position for one new job (VROOM id `jobId`) in the current
   * routes, nothing else moving. Null when no vehicle can take it (the planner then re-plans the whole day).
   */
  insert(input: VroomInput, current: DayProblem['initial'], jobId: number): VroomSolution | null;
  /** Stores the plan as proposed, applies it when the tenant plans automatically, and announces the outcome. */
  publish(plan: Plan, input: VroomInput, output: VroomOutput): Promise<void>;
}

export interface PlannerStats {
  triggers: number;
  plans: number;
  /** Plans made by inserting new jobs into the current routes rather than re-planning everything. */
  insertions: number;
  failures: number;
  lastSolveMs: number;
}

export interface Planner {
  /** Asks for a re-plan of the tenant's open work; triggers close together are merged. */
  trigger(tenantId: string, trigger: PlanTrigger): void;
  /** Resolves when no re-plan is waiting or running. */
  settled(): Promise<void>;
  stats(): PlannerStats;
  close(): void;
}

interface TenantPlanning {
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  /** The triggers gathered for the next run; the first names the plan. */
  waiting: PlanTrigger[];
}

/**
 * Keeps each tenant's plan current: on a trigger (a new urgent job, a cancellation, an ETA slipping, a vehicle
 * going offline, a shift change, a dispatcher's request) it waits `debounceMs` for more, then re-plans the tenant's open
 * jobs from where every vehicle is now — what is under way stays put (see buildDayProblem) — one run per tenant at a
 * time; triggers during a run make one more run after it.
 */
export function createPlanner(opts: PlannerOptions, deps: PlannerDeps): Planner {
  const tenants = new Map<string, TenantPlanning>();
  const stats: PlannerStats = { triggers: 0, plans: 0, insertions: 0, failures: 0, lastSolveMs: 0 };
  let closed = false;
  let sequence = 0;

  function state(tenantId: string): TenantPlanning {
    let t = tenants.get(tenantId);
    if (!t) tenants.set(tenantId, (t = { timer: null, running: null, waiting: [] }));
    return t;
  }

  function schedule(tenantId: string, t: TenantPlanning): void {
    if (t.timer || t.running || closed) return;
    t.timer = setTimeout(() => {
      t.timer = null;
      t.running = run(tenantId, t.waiting.splice(0)).finally(() => {
        t.running = null;
        if (t.waiting.length > 0) schedule(tenantId, t);
      });
    }, opts.debounceMs);
    t.timer.unref();
  }

  async function run(tenantId: string, triggers: PlanTrigger[]): Promise<void> {
    const trigger = merge(triggers);
    try {
      const now = deps.clock.now();
      const [jobs, vehicles] = await Promise.all([deps.loadJobs(tenantId), deps.loadVehicles(tenantId)]);
      const problem = await buildDayProblem(jobs, vehicles, now, deps.travel(tenantId), opts);
      if (problem.vehicleIds.length === 0) {
        deps.logger.warn({ tenantId, trigger, unavailable: problem.unavailable }, 're-plan skipped: no vehicle can be planned');
        return;
      }
      const started = performance.now();
      // New jobs alone are slotted into today's routes as they stand (crews keep their day); anything else, or a
      // new job no route can take, re-plans everything from the current routes.
      const output = (triggers.every((t) => t.kind === 'new_job') && insertNew(problem, triggers)) || (await deps.solve(problem.input, problem.initial));
      stats.lastSolveMs = performance.now() - started;
      if (output.code !== 0 || !('routes' in output)) throw new Error(`solver failed (code ${output.code}): ${'error' in output ? output.error : ''}`);
      const plan = planFromSolution(problem, output, jobs, {
        id: `plan-${now.toString(36)}-${(sequence++).toString(36)}`,
        tenantId,
        createdAt: now,
        trigger,
        backend: output.fieldtrace?.backend ?? 'embedded',
        fallbackReason: output.fieldtrace?.fallbackReason,
      });
      await deps.publish(plan, problem.input, output);
      stats.plans++;
      deps.logger.info(
        { tenantId, planId: plan.id, trigger: trigger.kind, moves: plan.moves.length, unassigned: plan.unassigned.length, solveMs: Math.round(stats.lastSolveMs) },
        're-planned',
      );
    } catch (err) {
      stats.failures++;
      deps.logger.error({ err, tenantId, trigger }, 're-plan failed; the current plan stays');
    }
  }

  function insertNew(problem: DayProblem, triggers: PlanTrigger[]): (VroomSolution & { fieldtrace: { backend: 'embedded' } }) | null {
    let current = problem.initial;
    let solution: VroomSolution | null = null;
    for (const t of triggers) {
      const n = t.jobId === undefined ? -1 : problem.jobIds.indexOf(t.jobId);
      if (n < 0) return null;
      solution = deps.insert(problem.input, current, n + 1);
      if (!solution) return null;
      current = solution.routes.map((r) => ({ vehicle: r.vehicle, steps: r.steps.filter((x) => x.type === 'job' && x.id !== undefined).map((x) => ({ type: 'job' as const, id: x.id! })) }));
    }
    stats.insertions++;
    return solution && { ...solution, fieldtrace: { backend: 'embedded' } };
  }

  return {
    trigger(tenantId, trigger) {
      stats.triggers++;
      const t = state(tenantId);
      t.waiting.push(trigger);
      schedule(tenantId, t);
    },
    async settled() {
      for (;;) {
        const pending = [...tenants.values()].filter((t) => t.timer || t.running || t.waiting.length > 0);
        if (pending.length === 0) return;
        for (const t of pending) {
          if (t.timer) {
            // Run now rather than wait out the debounce.
            clearTimeout(t.timer);
            t.timer = null;
          }
        }
        for (const [tenantId, t] of tenants) if (!t.running && t.waiting.length > 0) {
          t.running = run(tenantId, t.waiting.splice(0)).finally(() => (t.running = null));
        }
        await Promise.all(pending.map((t) => t.running));
      }
    },
    stats: () => ({ ...stats }),
    close() {
      // What is waiting is dropped (the next start re-plans on its own triggers); a run under way finishes.
      closed = true;
      for (const t of tenants.values()) {
        if (t.timer) clearTimeout(t.timer);
        t.timer = null;
        t.waiting.length = 0;
      }
    },
  };
}

/** One plan for several triggers: named after the first, listing the others in its detail. */
function merge(triggers: PlanTrigger[]): PlanTrigger {
  const first = triggers[0]!;
  if (triggers.length === 1) return first;
  return { ...first, detail: `${first.detail} (+${triggers.length - 1} more: ${triggers.slice(1).map((t) => t.kind).join(', ')})`.slice(0, 300) };
}

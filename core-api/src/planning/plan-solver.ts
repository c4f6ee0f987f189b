import type { Logger } from '@fieldtrace/service-kit';
import type { TravelTimeSource } from '@fieldtrace/travel-time';
import {
  embeddedBackend, solveInWorker, vroomExpressClient, withFallback, type VroomInput, type VroomOutput, type VrpBackend,
} from '@fieldtrace/vrp';
import { travelMatricesFor } from './travel-matrix.js';

export interface PlanSolverOptions {
  /** vroom-express to ask first (VROOM_URL); absent: the embedded solver only. */
  vroomUrl?: string | undefined;
  vroomTimeoutMs: number;
  vroomRetries: number;
  /** The embedded solver's budget per solve, ms (PLAN_BUDGET_MS). */
  budgetMs: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface SolveContext {
  /** The problem as validateVroomInput normalized it, which the embedded solver reads. */
  normalized: VroomInput;
  /** The tenant's travel times, asked for only when the embedded solver needs a matrix the input does not bring. */
  travel: () => Promise<TravelTimeSource>;
  /** Departure time for travel times, Unix ms. */
  at: number;
  signal?: AbortSignal;
}

export interface PlanSolver {
  /** VROOM output, marked with the backend that answered (`fieldtrace`); rejects only when no backend could answer. */
  solve(input: VroomInput, ctx: SolveContext): Promise<VroomOutput>;
}

/**
 * `POST /v1/plans/solve`'s backend: vroom-express when configured, with the embedded solver in a worker thread as the
 * fallback (withFallback marks the output and says why), otherwise the embedded solver alone. vroom-express gets the
 * request body exactly as it came, so it behaves as it would for any other VROOM client.
 */
export function createPlanSolver(opts: PlanSolverOptions, logger: Logger): PlanSolver {
  const remote = opts.vroomUrl
    ? vroomExpressClient({
      url: opts.vroomUrl, timeoutMs: opts.vroomTimeoutMs, retries: opts.vroomRetries, ...(opts.fetch ? { fetch: opts.fetch } : {}),
    })
    : null;

  return {
    async solve(input, ctx) {
      // VROOM's -l (seconds) may shorten the budget; it never lengthens it past what the operator allows.
      const limitS = ctx.normalized.options?.l;
      const budgetMs = limitS === undefined ? opts.budgetMs : Math.max(1, Math.min(opts.budgetMs, Math.round(limitS * 1000)));
      const embedded = embeddedBackend(async (_raw, solveOpts) => {
        const matrices = await travelMatricesFor(ctx.normalized, ctx.travel, ctx.at);
        return solveInWorker(ctx.normalized, {
          budgetMs, ...(matrices ? { matrices } : {}), ...(solveOpts?.signal ? { signal: solveOpts.signal } : {}),
        });
      });
      const signalOpts = ctx.signal ? { signal: ctx.signal } : {};
      if (!remote) return { ...(await embedded.solve(input, signalOpts)), fieldtrace: { backend: 'embedded' } };
      const backend: VrpBackend = withFallback(remote, embedded, {
        onFallback: (reason) => logger.warn({ reason }, 'vroom-express could not answer; the embedded solver did'),
      });
      return backend.solve(input, signalOpts);
    },
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  validateVroomInput, VroomInput, VroomSolution, VROOM_EXPRESS_TOO_LARGE, VROOM_INPUT_ERROR, VROOM_INTERNAL_ERROR, VROOM_ROUTING_ERROR,
  type VroomOutput,
} from '@fieldtrace/vrp';
import { DISPATCH_WRITERS, tenantOf } from '../http/auth.js';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../http/problems.js';
import { withProblems } from '../http/schemas.js';
import type { TravelSources } from '../domain/travel-sources.js';
import type { PlanSolver } from '../planning/plan-solver.js';
import { TooManyLocations } from '../planning/travel-matrix.js';
import type { RouteDeps } from './deps.js';

/** Solves at once per process: each takes a core for its whole budget, and this machine has few. */
const MAX_CONCURRENT_SOLVES = 2;
/** A problem with its own matrices is large: 1000 locations are two 1000 × 1000 matrices, about 10 MB of JSON. */
const SOLVE_BODY_LIMIT = 16 * 1024 * 1024;

/** VROOM's error codes as HTTP statuses and problem codes (vroom-express answers 400, 500 and 413 likewise). */
const VROOM_ERRORS: Record<number, { status: number; code: string }> = {
  [VROOM_INTERNAL_ERROR]: { status: 500, code: 'FT_VROOM_INTERNAL' },
  [VROOM_INPUT_ERROR]: { status: 400, code: 'FT_VROOM_INPUT' },
  [VROOM_ROUTING_ERROR]: { status: 422, code: 'FT_VROOM_ROUTING' },
  [VROOM_EXPRESS_TOO_LARGE]: { status: 413, code: 'FT_VROOM_TOO_LARGE' },
};

/** A problem body that also carries VROOM's error code, so a VROOM client can still branch on it. */
function sendVroomError(request: FastifyRequest, reply: FastifyReply, vroomCode: number, message: string) {
  const { status, code } = VROOM_ERRORS[vroomCode] ?? { status: 500, code: 'FT_VROOM_INTERNAL' };
  // House rule for 5xx: the detail stays generic, the real message goes to the log.
  if (status >= 500) request.log.error({ vroomCode, error: message }, 'solve failed');
  const detail = status >= 500 ? 'the solver failed; see the server log' : message;
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send({ ...problemBody(status, code, detail, request.url), vroomCode });
}

/**
 * `POST /v1/plans/solve`: VROOM's API — its input JSON in, its output JSON out — so a VROOM user can point their client
 * here. Answered by vroom-express when VROOM_URL is set (the embedded solver standing in when it cannot answer) or
 * by the embedded solver, in a worker thread, with matrices from the tenant's travel times when the input has only
 * coordinates.
 */
export function planSolveRoutes(solver: PlanSolver, travel: TravelSources): FastifyPluginAsyncTypebox<RouteDeps> {
  return async (app, { clock }) => {
    let running = 0;

    app.post('/plans/solve', {
      config: { access: { roles: DISPATCH_WRITERS } },
      bodyLimit: SOLVE_BODY_LIMIT,
      // The schemas document VROOM's format; validateVroomInput checks it (with VROOM's messages), and the output is
      // passed on whole, including keys a newer VROOM adds, so neither goes through Fastify's compilers.
      validatorCompiler: () => (data: unknown) => ({ value: data }),
      serializerCompiler: () => (data: unknown) => JSON.stringify(data),
      schema: {
        tags: ['plans'],
        summary: "Solve a VROOM problem (VROOM's input and output JSON)",
        description:
          'Body and answer are VROOM\'s (docs/API.md, VROOM 1.15), plus `fieldtrace: {backend, fallbackReason?}` in the ' +
          "answer. Errors are problem bodies with VROOM's message in `detail` and its code in `vroomCode` (2: input, " +
          '3: routing, 4: too large, 1: internal). Without matrices the tenant\'s travel times are used.',
        body: VroomInput,
        response: withProblems({ 200: VroomSolution }),
      },
    }, async (request, reply) => {
      const checked = validateVroomInput(request.body);
      if (!checked.ok) return sendVroomError(request, reply, VROOM_INPUT_ERROR, checked.error);
      if (running >= MAX_CONCURRENT_SOLVES) {
        reply.header('retry-after', '2');
        return reply.code(503).type(PROBLEM_CONTENT_TYPE)
          .send(problemBody(503, 'FT_SOLVER_BUSY', `${running} solves are running; try again shortly`, request.url));
      }
      const tenantId = tenantOf(request);
      // The client going away stops the solve (a worker terminated, a remote request aborted).
      const abort = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) abort.abort();
      };
      reply.raw.once('close', onClose);
      running++;
      let output: VroomOutput;
      try {
        output = await solver.solve(request.body as VroomInput, {
          normalized: checked.input, travel: () => travel(tenantId), at: clock.now(), signal: abort.signal,
        });
      } catch (err) {
        if (err instanceof TooManyLocations) return sendVroomError(request, reply, VROOM_EXPRESS_TOO_LARGE, err.message);
        throw err;
      } finally {
        running--;
        reply.raw.off('close', onClose);
      }
      if (output.code !== 0) return sendVroomError(request, reply, output.code, output.error);
      return reply.code(200).send(output);
    });
  };
}

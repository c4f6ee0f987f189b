import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { busTopic, Plan, type PlanTrigger } from '@fieldtrace/protocol';
import { NotFound } from '@fieldtrace/service-kit';
import {
  applyPlan, getPlan, getPlanVroom, listPlans, loadPlanningSettings, planAppliedMessages, rejectPlan, savePlanningSettings,
} from '@fieldtrace/store';
import { ADMINS, DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { Limit, withProblems } from '../http/schemas.js';
import { PlanNotProposed } from '../http/errors.js';
import { publishChanged, publishJobStatus } from '../domain/changes.js';
import type { RouteDeps } from './deps.js';

const tags = ['plans'];
const PlanStatus = Type.Union([Type.Literal('proposed'), Type.Literal('applied'), Type.Literal('rejected'), Type.Literal('superseded')]);
const PlanParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const PlanningSettings = Type.Object({
  /** Apply every plan the re-planning service proposes, without a dispatcher. */
  autoApply: Type.Boolean(),
}, { additionalProperties: false });
const ReplanRequest = Type.Object({ detail: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })) }, { additionalProperties: false });

/**
 * What the re-planning service hears on bus kind `plan` when someone asks for a re-plan now; `request: true` tells it
 * from a plan (which also travels on that kind) and keeps it off the live feed.
 */
export interface ReplanRequestMessage {
  v: 1;
  tenantId: string;
  trigger: PlanTrigger;
  request: true;
}

/**
 * Route plans: the re-planning service proposes them (bus kind `plan`, table `plans`); here a dispatcher reads them,
 * applies or rejects one, asks for a re-plan now, and chooses whether plans apply themselves.
 */
export const planRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus, clock }) => {
  app.get('/plans', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'List plans, newest first',
      querystring: Type.Object({ limit: Type.Optional(Limit(20, 200)), status: Type.Optional(PlanStatus) }),
      response: withProblems({ 200: Type.Array(Plan) }),
    },
  }, async (request) => {
    const { limit, status } = request.query;
    return listPlans(db, tenantOf(request), { limit: limit ?? 20, ...(status ? { status } : {}) });
  });

  app.get('/plans/:id', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: 'Get a plan', params: PlanParams, response: withProblems({ 200: Plan }) },
  }, async (request) => {
    const plan = await getPlan(db, tenantOf(request), request.params.id);
    if (!plan) throw NotFound(['plan', request.params.id]);
    return plan;
  });

  app.get('/plans/:id/vroom', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: 'The VROOM problem and answer a plan came from',
      description: 'To replay it against another VROOM (POST the input to vroom-express or /v1/plans/solve).',
      params: PlanParams,
      response: withProblems({ 200: Type.Object({ input: Type.Unknown(), output: Type.Unknown() }) }),
    },
  }, async (request) => {
    const vroom = await getPlanVroom(db, tenantOf(request), request.params.id);
    if (!vroom) throw NotFound(['plan', request.params.id]);
    return vroom;
  });

  app.post('/plans/:id/apply', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: 'Apply a proposed plan to the jobs',
      description:
        "Sets each planned job's vehicle and route order ('scheduled' → 'assigned'), takes the vehicle from jobs the plan " +
        "leaves unassigned ('assigned' → 'scheduled'; jobs under way keep theirs) and supersedes the tenant's other " +
        'proposed plans, in one transaction. 409 when the plan is no longer proposed.',
      params: PlanParams,
      response: withProblems({ 200: Plan }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const now = clock.now();
    const result = await applyPlan(db, tenantId, request.params.id, now);
    if (!result.plan) throw NotFound(['plan', request.params.id]);
    if (!result.applied) throw PlanNotProposed([result.plan.id, result.plan.status]);
    const messages = planAppliedMessages(result, now);
    for (const change of messages.statusChanges) publishJobStatus(bus, change);
    for (const changed of messages.changed) publishChanged(bus, tenantId, changed.entity, changed.id, changed.op);
    for (const plan of messages.plans) bus.publish(busTopic(tenantId, 'plan'), plan);
    request.log.info({ planId: result.plan.id, jobs: result.changedJobs.length, superseded: result.superseded.map((p) => p.id) }, 'plan applied');
    return result.plan;
  });

  app.post('/plans/:id/reject', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: { tags, summary: 'Reject a proposed plan (the jobs stay as they are)', params: PlanParams, response: withProblems({ 200: Plan }) },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const { rejected, plan } = await rejectPlan(db, tenantId, request.params.id);
    if (!plan) throw NotFound(['plan', request.params.id]);
    if (!rejected) throw PlanNotProposed([plan.id, plan.status]);
    bus.publish(busTopic(tenantId, 'plan'), plan);
    return plan;
  });

  app.post('/plans', {
    config: { access: { roles: DISPATCH_WRITERS } },
    schema: {
      tags,
      summary: 'Ask for a re-plan of the open jobs now',
      description: 'Answered 202 at once; the plan arrives on the live feed (and in GET /v1/plans) when the re-planning service has made it.',
      body: ReplanRequest,
      response: withProblems({ 202: Type.Object({ trigger: Type.Object({ kind: Type.Literal('manual'), detail: Type.String() }) }) }),
    },
  }, async (request, reply) => {
    const tenantId = tenantOf(request);
    const trigger = { kind: 'manual' as const, detail: request.body.detail ?? `Re-plan requested by ${request.caller?.keyName ?? 'a dispatcher'}` };
    const message: ReplanRequestMessage = { v: 1, tenantId, trigger, request: true };
    bus.publish(busTopic(tenantId, 'plan'), message);
    return reply.code(202).send({ trigger });
  });

  app.get('/settings/planning', {
    config: { access: { roles: READERS } },
    schema: { tags, summary: "The tenant's planning settings", response: withProblems({ 200: PlanningSettings }) },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const settings = await loadPlanningSettings(db, tenantId);
    if (!settings) throw NotFound(['tenant', tenantId]);
    return settings;
  });

  app.put('/settings/planning', {
    config: { access: { roles: ADMINS } },
    schema: {
      tags,
      summary: 'Choose whether proposed plans are applied automatically',
      description: 'A policy for the whole tenant, hence admins only. The re-planning service reads it for each new plan.',
      body: PlanningSettings,
      response: withProblems({ 200: PlanningSettings }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const settings = await savePlanningSettings(db, tenantId, request.body);
    if (!settings) throw NotFound(['tenant', tenantId]);
    return settings;
  });
};

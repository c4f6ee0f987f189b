import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AlertRuleSet, MAX_ALERT_RULES, checkAlertRuleSet } from '@fieldtrace/protocol';
import { DISPATCH_WRITERS, READERS, tenantOf } from '../http/auth.js';
import { withProblems } from '../http/schemas.js';
import { InvalidInput, ValidationFailed } from '../http/errors.js';
import { publishChanged } from '../domain/changes.js';
import type { RouteDeps } from './deps.js';

const tags = ['alerts'];

export const alertRuleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, bus }) => {
  app.get('/alert-rules', {
    config: { access: { roles: READERS } },
    schema: {
      tags,
      summary: "The tenant's alert rules ([] until some are set)",
      response: withProblems({ 200: AlertRuleSet }),
    },
  }, async (request) => {
    const [row] = await db.query<{ rules: AlertRuleSet }>('SELECT rules FROM alert_rules WHERE tenant_id = $1', [tenantOf(request)]);
    return row?.rules ?? [];
  });

  app.put('/alert-rules', {
    config: { access: { roles: DISPATCH_WRITERS } },
    // The schema documents the body, but a union's own error says only "Expected union value": the handler
    // checks with checkAlertRuleSet, which names the field (and what JSON Schema cannot: unique ids, some limit).
    attachValidation: true,
    schema: {
      tags,
      summary: "Replace the tenant's alert rules (the whole document); the stream processors apply it at once",
      description: `At most ${MAX_ALERT_RULES} rules; ids unique. An omitted optional field means its schema default; responses spell it out.`,
      body: AlertRuleSet,
      response: withProblems({ 200: AlertRuleSet }),
    },
  }, async (request) => {
    const tenantId = tenantOf(request);
    const check = checkAlertRuleSet(request.body);
    // checkAlertRuleSet reports paths inside the document ('/0/id', or '/' for the whole of it).
    if (!check.ok) throw InvalidInput([check.errors.map((e) => (e.startsWith('/:') ? `body${e.slice(1)}` : `body${e}`))]);
    // Backstop: both validators read the same schemas, so this would mean checkAlertRuleSet missed something.
    if (request.validationError) throw ValidationFailed(['body', request.validationError.message]);
    const [row] = await db.query<{ rules: AlertRuleSet }>(
      `INSERT INTO alert_rules (tenant_id, rules, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = EXCLUDED.updated_at
       RETURNING rules`,
      [tenantId, JSON.stringify(check.rules)],
    );
    publishChanged(bus, tenantId, 'alert_rules', tenantId, 'upsert');
    return row!.rules;
  });
};

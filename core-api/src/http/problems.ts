import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FieldtraceError } from '@fieldtrace/service-kit';
import { globalPlugin } from './plugin.js';
import { Problem } from './schemas.js';
import { clientErrorFromDb } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
}

export function problemBody(status: number, code: string, detail: string, url: string): ProblemBody {
  return {
    type: `urn:fieldtrace:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    // The path only: a query string may carry a key (`?key=` is accepted on the live feed).
    instance: url.split('?', 1)[0] ?? url,
  };
}

function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, code: string, detail: string) {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problemBody(status, code, detail, request.url));
}

/** Fastify's own client errors get stable FT_ codes too; their messages are kept as the detail. */
const CLIENT_ERROR_CODES: Readonly<Record<number, string>> = {
  404: 'FT_NOT_FOUND',
  405: 'FT_METHOD_NOT_ALLOWED',
  406: 'FT_NOT_ACCEPTABLE',
  413: 'FT_PAYLOAD_TOO_LARGE',
  415: 'FT_UNSUPPORTED_MEDIA_TYPE',
};

/** Fastify reports schema failures as `{ instancePath, message }` per problem, plus where (body, querystring...). */
function validationDetail(err: FastifyError): string {
  const where = err.validationContext ?? 'request';
  const parts = (err.validation ?? []).slice(0, 3).map((v) => `${where}${v.instancePath || ''}: ${v.message ?? 'invalid'}`);
  return parts.length > 0 ? parts.join('; ') : err.message;
}

/** Every error leaves as an RFC 9457 problem body; 5xx details stay generic and the real error goes to the log. */
export const problemsPlugin = globalPlugin('fieldtrace-problems', async (app) => {
  app.addSchema(Problem);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return sendProblem(reply, request, 400, 'FT_VALIDATION', validationDetail(error));
    const known = error instanceof FieldtraceError ? error : clientErrorFromDb(error);
    if (known) {
      if (known.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: known.code, detail: known.message }, 'request refused');
      const status = known.statusCode;
      return sendProblem(reply, request, status, known.code, status >= 500 ? 'internal error; see the server log' : known.message);
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status < 500) {
      // Fastify's own client errors (bad JSON, wrong content type, body too large): their messages are safe.
      return sendProblem(reply, request, status, CLIENT_ERROR_CODES[status] ?? 'FT_BAD_REQUEST', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, request, 500, 'FT_INTERNAL', 'internal error; see the server log');
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, 'FT_NOT_FOUND', `no route ${request.method} ${request.url.split('?', 1)[0]}`),
  );
});

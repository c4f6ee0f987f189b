import { Type, type TSchema } from '@sinclair/typebox';
import { Id } from '@fieldtrace/protocol';

/** RFC 9457 problem details; every 4xx/5xx body has this shape (content type `application/problem+json`). */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI naming the problem type: urn:fieldtrace:problem:{code}' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'stable machine-readable code, e.g. FT_VALIDATION' }),
    instance: Type.String({ description: 'request path' }),
  },
  { $id: 'Problem', title: 'Problem' },
);

export const IdParams = Type.Object({ id: Id });

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
});

/** Adds the problem body for every error status so the OpenAPI document says what a failure looks like. */
export function withProblems<R extends Record<number, TSchema>>(responses: R) {
  return {
    ...responses,
    '4xx': problemResponse('client error (RFC 9457 problem)'),
    '5xx': problemResponse('server error (RFC 9457 problem)'),
  };
}

export const NoContent = Type.Null({ description: 'no content' });

/** A time bound given as ISO-8601 or Unix ms; parsed by `parseTimeBound`. */
export const TimeBound = Type.String({ description: 'ISO-8601 timestamp or Unix epoch milliseconds', maxLength: 40 });

export const Limit = (def: number, max: number) => Type.Integer({ minimum: 1, maximum: max, default: def });

import { Conflict, FieldtraceError, defineError } from '@fieldtrace/service-kit';

/** Input that passed the schema but breaks a rule the schema cannot express (or a schema failure itself). */
export const ValidationFailed = defineError('FT_VALIDATION', 400, (field: string, why: string) => `${field}: ${why}`);
/** Several problems found at once, each `field: why` (a document checked as a whole, such as the alert rules). */
export const InvalidInput = defineError('FT_VALIDATION', 400, (problems: readonly string[]) => problems.join('; '));
export const TenantRequired = defineError('FT_TENANT_REQUIRED', 400, () =>
  'a platform operator key acts on a tenant only when the request names it in the x-tenant-id header',
);
export const OperatorOnly = defineError('FT_OPERATOR_ONLY', 403, () => 'only a platform operator key (no tenant) may do this');
/** Acknowledging means "someone is on it"; an alert whose condition has ended needs no one. */
export const AlertCleared = defineError('FT_ALERT_CLEARED', 409, (id: string) =>
  `alert '${id}' has already cleared; there is nothing to acknowledge`,
);
export const StillReferenced = defineError('FT_STILL_REFERENCED', 409, (what: string, id: string, by: string) =>
  `${what} '${id}' is still referenced by ${by}`,
);

/** PostgreSQL SQLSTATEs this API turns into client errors (PostgreSQL docs, Appendix A). */
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

interface PgError {
  code?: unknown;
  detail?: unknown;
  message?: unknown;
}

/**
 * A database error caused by the request (a duplicate id, a missing or still-used reference) as the client error
 * it is; null for anything else, which stays a 500. Routes usually pre-empt these with clearer messages; this
 * is the backstop for races between two requests.
 */
export function clientErrorFromDb(err: unknown): FieldtraceError | null {
  const e = err as PgError;
  if (typeof e !== 'object' || e === null || typeof e.code !== 'string') return null;
  const detail = typeof e.detail === 'string' && e.detail ? e.detail : String(e.message ?? '');
  if (e.code === UNIQUE_VIOLATION) {
    return new FieldtraceError('FT_CONFLICT', stripTenant(detail), { statusCode: 409, cause: err });
  }
  if (e.code === FOREIGN_KEY_VIOLATION) {
    // "is not present in table" = the request points at something missing; otherwise something still points here.
    const missing = detail.includes('is not present');
    return new FieldtraceError(missing ? 'FT_REFERENCE_MISSING' : 'FT_STILL_REFERENCED', stripTenant(detail), {
      statusCode: missing ? 400 : 409,
      cause: err,
    });
  }
  return null;
}

/** "Key (tenant_id, id)=(acme, t1) already exists." → "Key (id)=(t1) already exists." — the tenant is implied. */
function stripTenant(detail: string): string {
  return detail.replace(/\(tenant_id, ([^)]*)\)=\([^,]*, /, '($1)=(');
}

/** Runs a write and reports a duplicate key as "{what} '{id}' already exists" (409). */
export async function conflictAs<T>(what: string, id: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if ((err as PgError)?.code === UNIQUE_VIOLATION) throw Conflict([what, id], { cause: err });
    throw err;
  }
}

/** Applying or rejecting is a decision about a proposal; a plan already decided (or superseded) is history. */
export const PlanNotProposed = defineError('FT_PLAN_NOT_PROPOSED', 409, (id: string, status: string) =>
  `plan '${id}' is ${status}; only a proposed plan can be applied or rejected`,
);

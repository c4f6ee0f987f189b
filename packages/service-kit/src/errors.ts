/**
 * One error shape for every service: a stable `code` callers match on, an HTTP status for the API edge,
 * and whether it is operational (expected bad input: warn and count) or a bug (report loudly).
 */
export class FieldtraceError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly operational: boolean;
  readonly context: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    opts: { statusCode?: number; operational?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FieldtraceError';
    this.code = code;
    this.statusCode = opts.statusCode ?? 500;
    this.operational = opts.operational ?? this.statusCode < 500;
    this.context = opts.context;
  }
}

type Template<A extends unknown[]> = (...args: A) => string;

/** Declares a catalogue entry: `const NotFound = defineError('FT_NOT_FOUND', 404, (what: string) => ...)`. */
export function defineError<A extends unknown[]>(code: string, statusCode: number, template: Template<A>) {
  const make = (args: A, extra: { context?: Record<string, unknown>; cause?: unknown } = {}) =>
    new FieldtraceError(code, template(...args), { statusCode, ...extra });
  return Object.assign(make, { code, statusCode });
}

export const ConfigInvalid = defineError('FT_CONFIG_INVALID', 500, (problems: string[]) =>
  `invalid configuration:\n  - ${problems.join('\n  - ')}`,
);
export const PortInUse = defineError('FT_PORT_IN_USE', 500, (what: string, port: number, variable?: string) =>
  `${what} cannot listen on port ${port}: it is already taken by another process. ` +
    `Stop that process or ${variable ? `set ${variable} to a free port (e.g. ${variable}=${port + 1})` : 'choose another port'}.`,
);
export const NotFound = defineError('FT_NOT_FOUND', 404, (what: string, id: string) => `${what} '${id}' does not exist`);
export const Conflict = defineError('FT_CONFLICT', 409, (what: string, id: string) => `${what} '${id}' already exists`);
export const BadRequest = defineError('FT_BAD_REQUEST', 400, (why: string) => why);
export const Unauthorized = defineError('FT_UNAUTHORIZED', 401, () => 'missing or unknown API key');
export const Forbidden = defineError('FT_FORBIDDEN', 403, (role: string, need: readonly string[]) =>
  `role '${role}' may not do this; needs one of: ${need.join(', ')}`,
);

/** Turns EADDRINUSE into the explanation a person starting the platform needs. */
export function explainListenError(err: unknown, what: string, port: number, variable?: string): unknown {
  if ((err as NodeJS.ErrnoException)?.code === 'EADDRINUSE') return PortInUse([what, port, variable], { cause: err });
  return err;
}

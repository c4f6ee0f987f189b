import { TypeCompiler } from '@sinclair/typebox/compiler';
import { VroomOutput, type FieldtracePlanInfo, type VroomInput } from './schema.js';

/**
 * Route optimization backends: a remote VROOM behind vroom-express, the embedded solver, and a combinator that
 * falls back from the first to the second and says so in the plan.
 *
 * vroom-express protocol (VROOM-Project/vroom-express src/index.js): `POST {baseurl}` (default `/`) with the VROOM
 * input as the JSON body, optional `options: {g, t, x}` overriding its command-line flags. It answers VROOM's
 * output with HTTP 200 (code 0), 400 (code 2, input error), 413 (code 4, more locations/vehicles than it accepts)
 * or 500 (code 1 internal, code 3 routing error, or a crash).
 */

export interface VrpSolveOptions {
  /** Cancels the solve (e.g. the HTTP request that asked for it went away). */
  signal?: AbortSignal;
}

export interface VrpBackend {
  readonly name: 'remote' | 'embedded';
  /**
   * Resolves with VROOM's output, including VROOM's own error outputs (`{code: 2, error}` for a bad problem).
   * Rejects only when the backend itself could not be used (unreachable, timed out, broken response).
   */
  solve(input: VroomInput, opts?: VrpSolveOptions): Promise<VroomOutput>;
}

export type VroomRemoteErrorCode =
  | 'VROOM_REMOTE_UNREACHABLE'
  | 'VROOM_REMOTE_TIMEOUT'
  | 'VROOM_REMOTE_HTTP'
  | 'VROOM_REMOTE_TOO_LARGE'
  | 'VROOM_REMOTE_BAD_RESPONSE'
  | 'VROOM_REMOTE_ABORTED';

/** The remote backend could not produce an answer; `code` says why, `attempts` how many requests were made. */
export class VroomRemoteError extends Error {
  readonly code: VroomRemoteErrorCode;
  readonly attempts: number;
  constructor(code: VroomRemoteErrorCode, message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VroomRemoteError';
    this.code = code;
    this.attempts = attempts;
  }
}

export interface VroomExpressClientOptions {
  /** vroom-express base URL, e.g. http://vroom:3000/ (the POST goes to this URL). */
  url: string;
  /** Per request. Default 30 000 ms. A timed-out solve is not retried: the next attempt would most likely time out too. */
  timeoutMs?: number;
  /** Extra attempts after a network error or an HTTP 5xx. Default 2. */
  retries?: number;
  /** Delay before the first retry, doubled for each further one. Default 250 ms. */
  backoffMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_BACKOFF_MS = 250;

const checkOutput = TypeCompiler.Compile(VroomOutput);

export function vroomExpressClient(options: VroomExpressClientOptions): VrpBackend {
  const url = options.url;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = options.retries ?? DEFAULT_RETRIES;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function attempt(body: string, attemptNo: number, outer: AbortSignal | undefined): Promise<VroomOutput> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = outer === undefined ? timeout : AbortSignal.any([outer, timeout]);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
      text = await response.text();
    } catch (err) {
      if (outer?.aborted === true) throw new VroomRemoteError('VROOM_REMOTE_ABORTED', 'Solve aborted by the caller', attemptNo, { cause: err });
      if (timeout.aborted) throw new VroomRemoteError('VROOM_REMOTE_TIMEOUT', `vroom-express at ${url} did not answer within ${timeoutMs} ms`, attemptNo, { cause: err });
      throw new VroomRemoteError('VROOM_REMOTE_UNREACHABLE', `vroom-express at ${url} is unreachable: ${describe(err)}`, attemptNo, { cause: err });
    }
    const output = parseOutput(text);
    if (response.status === 413) {
      const reason = output !== undefined && output.code !== 0 ? output.error : 'HTTP 413';
      throw new VroomRemoteError('VROOM_REMOTE_TOO_LARGE', `vroom-express at ${url} refused the problem: ${reason}`, attemptNo);
    }
    if (response.status >= 500) {
      const reason = output !== undefined && output.code !== 0 ? `code ${output.code}: ${output.error}` : text.slice(0, 200);
      throw new VroomRemoteError('VROOM_REMOTE_HTTP', `vroom-express at ${url} answered HTTP ${response.status} (${reason})`, attemptNo);
    }
    if (output === undefined) {
      throw new VroomRemoteError('VROOM_REMOTE_BAD_RESPONSE', `vroom-express at ${url} answered HTTP ${response.status} with something that is not VROOM output`, attemptNo);
    }
    // 200 with a solution, or 400 with VROOM's input error: both are answers about the problem, passed on as they are.
    return output;
  }

  return {
    name: 'remote',
    async solve(input, opts) {
      const body = JSON.stringify(input);
      for (let attemptNo = 1; ; attemptNo++) {
        try {
          return await attempt(body, attemptNo, opts?.signal);
        } catch (err) {
          const retryable = err instanceof VroomRemoteError && (err.code === 'VROOM_REMOTE_UNREACHABLE' || err.code === 'VROOM_REMOTE_HTTP');
          if (!retryable || attemptNo > retries) throw err;
          await sleep(backoffMs * 2 ** (attemptNo - 1));
        }
      }
    },
  };
}

function parseOutput(text: string): VroomOutput | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return checkOutput.Check(json) ? json : undefined;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED...) in the cause.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return err.message + cause;
}

/** Adapts a synchronous or asynchronous solve function (the embedded solver) to a backend. */
export function embeddedBackend(solve: (input: VroomInput, opts?: VrpSolveOptions) => VroomOutput | Promise<VroomOutput>): VrpBackend {
  return { name: 'embedded', solve: async (input, opts) => solve(input, opts) };
}

export interface FallbackOptions {
  /** Told each time the fallback answers instead of the primary (for a log line or a counter). */
  onFallback?: (reason: string, error: unknown) => void;
}

/**
 * Solves with `primary`; when it cannot be used (the promise rejects), solves with `fallback` instead. Every
 * output carries a top-level `fieldtrace` object (not part of VROOM's format; VROOM clients ignore it) naming the
 * backend that answered, and on fallback why: `{"backend": "embedded", "fallbackReason": "vroom-express at ...
 * is unreachable: ..."}`. A caller's abort is not a reason to fall back and is rethrown.
 */
export function withFallback(primary: VrpBackend, fallback: VrpBackend, options: FallbackOptions = {}): VrpBackend {
  return {
    name: primary.name,
    async solve(input, opts) {
      let primaryError: unknown;
      try {
        const output = await primary.solve(input, opts);
        return { ...output, fieldtrace: { backend: primary.name } };
      } catch (err) {
        if (opts?.signal?.aborted === true) throw err;
        primaryError = err;
      }
      const reason = primaryError instanceof Error ? primaryError.message : String(primaryError);
      options.onFallback?.(reason, primaryError);
      const output = await fallback.solve(input, opts);
      const info: FieldtracePlanInfo = { backend: fallback.name, fallbackReason: reason };
      return { ...output, fieldtrace: info };
    },
  };
}

export interface VroomRemoteConfig {
  url: string;
  timeoutMs: number;
  retries: number;
}

/**
 * Reads VROOM_URL, VROOM_TIMEOUT_MS and VROOM_RETRIES from the environment a service's config.ts passes in.
 * Returns undefined when VROOM_URL is unset (embedded solver only); throws once listing every invalid value.
 */
export function vroomRemoteConfigFromEnv(env: Readonly<Record<string, string | undefined>>): VroomRemoteConfig | undefined {
  const url = env['VROOM_URL'];
  if (url === undefined || url === '') return undefined;
  const problems: string[] = [];
  if (!URL.canParse(url)) problems.push(`VROOM_URL is not a URL: ${url}`);
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer >= ${min}, got ${raw}`);
    return value;
  };
  const timeoutMs = int('VROOM_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1);
  const retries = int('VROOM_RETRIES', DEFAULT_RETRIES, 0);
  if (problems.length > 0) throw new Error(`Invalid vroom-express configuration:\n- ${problems.join('\n- ')}`);
  return { url, timeoutMs, retries };
}

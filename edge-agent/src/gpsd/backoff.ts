/** Reconnect delays: exponential from `minMs`, capped at `maxMs`, with random jitter so a fleet does not reconnect in step. */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Fraction of the delay that is randomised: 0.5 means the delay lies in [0.5 × d, d]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 500, maxMs: 30_000, jitter: 0.5 };

/** Delay before reconnect attempt number `attempt` (0 = first retry). `random` returns [0, 1). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** exponent);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(ceiling * (1 - jitter * random()));
}

/** Time is passed in, never read from globals below `main.ts`, so dwell timers and ETA windows run on fake time in tests. */
export interface Clock {
  /** Unix epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

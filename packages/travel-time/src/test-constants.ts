/** Test-only constants (as stream-processors' test-support/tracks.ts). */
export const T0 = 1_769_443_200_000; // 2026-01-26T16:00:00Z
export const LIVERPOOL: readonly [number, number] = [53.4084, -2.9916];

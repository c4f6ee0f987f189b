import type { Reading, Source } from '../../sources/source.js';

/** A source the test drives by hand: `push` emits one reading at once. Test support only. */
export function manualSource(): Source & { push(reading: Reading): void } {
  let emit: ((reading: Reading) => void) | null = null;
  return {
    name: 'manual',
    async start(e) {
      emit = e;
    },
    async close() {
      emit = null;
    },
    stats: () => ({}),
    push: (reading) => emit?.(reading),
  };
}

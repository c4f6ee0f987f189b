import type { Clock } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../../sources/source.js';

/**
 * A receiver that never stops talking: `perTick` fixes every `tickMs`, each ~80 m east of the previous one (so an
 * adaptive filter at its defaults keeps them all), until `shouldStop()` says enough. Test support only.
 */
export function createSyntheticFixSource(options: { perTick: number; tickMs: number; shouldStop: () => boolean; clock: Clock }): Source {
  let timer: NodeJS.Timeout | null = null;
  let emitted = 0;
  let lon = -60 + Math.random() * 10;
  return {
    name: 'synthetic',
    async start(emit: (reading: Reading) => void) {
      timer = setInterval(() => {
        if (options.shouldStop()) return;
        for (let i = 0; i < options.perTick; i++) {
          lon = lon > 170 ? -170 : lon + 0.001;
          emitted++;
          emit({ kind: 'fix', body: { ts: options.clock.now(), lat: 43.7, lon, speed: 20, heading: 90, fix: '3d', sats: 9 } });
        }
      }, options.tickMs);
    },
    async close() {
      if (timer) clearInterval(timer);
    },
    stats() {
      return { emitted };
    },
  };
}

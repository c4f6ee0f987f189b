import type { Clock } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../sources/source.js';

export interface SpreaderSimOptions {
  /** Reading period, ms (default 1000: 1 Hz). */
  periodMs?: number;
  /** Deterministic pseudo-random source in [0, 1); tests pass their own. */
  random?: () => number;
}

/**
 * A simulated plow truck's body electronics: ignition, PTO (the spreader's drive), spreader rate (kg/km) and
 * engine temperature, as an OBD/J1939 reader would report them. Stands in for real sensor hardware on a bench.
 */
export function createSpreaderSimSource(clock: Clock, opts: SpreaderSimOptions = {}): Source & { tick(): void } {
  const periodMs = opts.periodMs ?? 1000;
  const random = opts.random ?? Math.random;
  let timer: NodeJS.Timeout | null = null;
  let emit: ((r: Reading) => void) | null = null;
  let emitted = 0;
  let engineTemp = 20;
  let pto = false;

  const tick = () => {
    if (!emit) return;
    // The engine warms towards 88 °C; the spreader runs in stretches (PTO on ~70% of the time while plowing).
    engineTemp += (88 - engineTemp) * 0.02 + (random() - 0.5) * 0.4;
    if (random() < 0.05) pto = !pto;
    const rate = pto ? 10 + random() * 8 : 0;
    emit({
      kind: 'sensor',
      body: {
        ts: clock.now(),
        readings: [
          { name: 'ignition', value: true },
          { name: 'pto', value: pto },
          { name: 'spreader_rate', value: Math.round(rate * 10) / 10, unit: 'kg/km' },
          { name: 'engine_temp', value: Math.round(engineTemp * 10) / 10, unit: 'C' },
        ],
      },
    });
    emitted++;
  };

  return {
    name: 'spreader-sim',
    tick,
    async start(e) {
      emit = e;
      timer = setInterval(tick, periodMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      emit = null;
    },
    stats: () => ({ readings: emitted }),
  };
}

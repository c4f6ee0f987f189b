import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Clock } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../sources/source.js';
import { parseSensorLine } from './line-protocol.js';

/**
 * Sensor readings from a text stream, one line each (see `parseSensorLine`): stdin of the agent, a pipe from a
 * CAN-bus logger, a serial console. A bad line is counted by reason and skipped; the stream goes on.
 */
export function createLineSensorSource(input: Readable, clock: Clock, name = 'line-sensors'): Source {
  const counts: Record<string, number> = { lines: 0, readings: 0 };
  let rl: ReturnType<typeof createInterface> | null = null;
  return {
    name,
    async start(emit: (r: Reading) => void) {
      rl = createInterface({ input, crlfDelay: Infinity });
      rl.on('line', (line) => {
        counts.lines!++;
        const parsed = parseSensorLine(line, clock.now());
        if (typeof parsed === 'string') {
          if (parsed !== 'empty') counts[`rejected.${parsed}`] = (counts[`rejected.${parsed}`] ?? 0) + 1;
          return;
        }
        counts.readings!++;
        emit({ kind: 'sensor', body: parsed });
      });
    },
    async close() {
      rl?.close();
      rl = null;
    },
    stats: () => ({ ...counts }),
  };
}

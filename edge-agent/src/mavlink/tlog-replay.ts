import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TlogFramer, type TlogRecord } from './tlog-framer.js';

export interface ReplayOptions {
  /** 0 = as fast as possible; 1 = the speed it was recorded at; 10 = ten times faster. */
  speed: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Reads a `.tlog` file record by record. At speed > 0 it waits so that records come out spaced as they were
 * logged (scaled by `speed`), measured from the first record. At speed 0 it yields to the event loop between
 * chunks only, so a replay does not starve timers and sockets.
 */
export async function replayTlog(path: string, options: ReplayOptions, onRecord: (record: TlogRecord) => void): Promise<TlogFramer> {
  const framer = new TlogFramer();
  const now = options.now ?? Date.now;
  let firstLogged: number | undefined;
  let startedAt = 0;
  const stream = createReadStream(path, { highWaterMark: 64 * 1024, signal: options.signal });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const record of framer.push(chunk)) {
        if (options.signal?.aborted) return framer;
        if (options.speed > 0) {
          if (firstLogged === undefined) {
            firstLogged = record.loggedAtMs;
            startedAt = now();
          }
          const dueAt = startedAt + (record.loggedAtMs - firstLogged) / options.speed;
          const wait = dueAt - now();
          if (wait > 1) await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
          if (options.signal?.aborted) return framer;
        }
        onRecord(record);
      }
    }
  } catch (err) {
    if (!options.signal?.aborted) throw err;
    return framer;
  }
  framer.end();
  return framer;
}

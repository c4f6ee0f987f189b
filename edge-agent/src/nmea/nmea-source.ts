import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../sources/source.js';
import type { Epoch } from './epoch.js';
import { epochToFix, type FixSkipReason } from './epoch-to-fix.js';
import { NmeaDecoder } from './nmea-decoder.js';
import { openSerialInput, type SerialOptions, type SerialOpener } from './serial-input.js';

/**
 * How a recorded stream is replayed: `real-time` waits between fixes as long as the receiver did (from the
 * sentence times), `accelerated` divides those waits by `factor`, `fast` does not wait.
 */
export type ReplayPace = { mode: 'real-time' } | { mode: 'accelerated'; factor: number } | { mode: 'fast' };

/** `stream`: a capture file (`createReadStream`) or stdin (`() => process.stdin`); `serial`: a live receiver. */
export type NmeaInput =
  | { kind: 'stream'; open: () => Readable; pace: ReplayPace }
  | ({ kind: 'serial' } & SerialOptions);

export interface NmeaSourceConfig {
  name?: string;
  input: NmeaInput;
  /** Accept sentences without `*hh` (gpsd does not). Default false. */
  acceptMissingChecksum?: boolean;
  /** Skip `#` comment lines (capture files). Default: true for streams, false for serial ports. */
  skipCommentLines?: boolean;
  /** Report the open cycle after this long without data, so the last fix before a silence is not held. */
  quietFlushMs?: number;
  /** Replay: the longest wait between two fixes (capture files have gaps of hours). Default 60 s. */
  maxReplayGapMs?: number;
}

export interface NmeaSourceDeps {
  clock: Clock;
  logger: Logger;
  /** Waits `ms` of the clock's time, or until `signal` aborts; injected so tests replay "real time" instantly. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  openSerial?: SerialOpener;
}

const defaultSleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

export interface NmeaSource extends Source {
  /** Resolves when a stream replay has delivered its last fix (never, for a serial port, until closed). */
  finished(): Promise<void>;
}

export function buildNmeaSource(config: NmeaSourceConfig, deps: NmeaSourceDeps): NmeaSource {
  const name = config.name ?? (config.input.kind === 'serial' ? `nmea:${config.input.path}` : 'nmea:stream');
  const sleep = deps.sleep ?? defaultSleep;
  const skipped: Record<FixSkipReason, number> = { 'no-fix': 0, 'no-date': 0, 'implausible-time': 0 };
  let fixes = 0;
  let closed = false;
  /** Interrupts a replay's wait between fixes when the source closes. */
  const closing = new AbortController();
  let pending: Epoch[] = [];
  const decoder = new NmeaDecoder(
    { onEpoch: (epoch) => pending.push(epoch) },
    {
      requireChecksum: !(config.acceptMissingChecksum ?? false),
      skipCommentLines: config.skipCommentLines ?? config.input.kind === 'stream',
    },
  );
  let stopInput: (() => Promise<void>) | undefined;
  let finished: Promise<void> = Promise.resolve();

  function emitEpochs(emit: (reading: Reading) => void, epochs: readonly Epoch[]): void {
    for (const epoch of epochs) {
      const fix = epochToFix(epoch);
      if (!fix.ok) {
        skipped[fix.reason]++;
        continue;
      }
      fixes++;
      emit({ kind: 'fix', body: fix.body });
    }
  }

  function takePending(): Epoch[] {
    const epochs = pending;
    pending = [];
    return epochs;
  }

  async function replay(stream: Readable, pace: ReplayPace, emit: (reading: Reading) => void): Promise<void> {
    const divisor = pace.mode === 'accelerated' ? Math.max(pace.factor, 1e-9) : 1;
    const maxGapMs = config.maxReplayGapMs ?? 60_000;
    let previous: { epochTime: number; wallTime: number } | undefined;
    const paced = async (epochs: readonly Epoch[]) => {
      for (const epoch of epochs) {
        if (closed) return;
        if (pace.mode !== 'fast' && epoch.time !== undefined) {
          if (previous !== undefined) {
            // Time going backwards (receiver restart, spliced logs) replays at once; long gaps are capped.
            const gap = Math.min(Math.max(epoch.time - previous.epochTime, 0) / divisor, maxGapMs);
            const wait = previous.wallTime + gap - deps.clock.now();
            if (wait > 0) await sleep(wait, closing.signal);
          }
          previous = { epochTime: epoch.time, wallTime: deps.clock.now() };
        }
        if (!closed) emitEpochs(emit, [epoch]);
      }
    };
    try {
      for await (const chunk of stream as AsyncIterable<string | Uint8Array>) {
        if (closed) break;
        decoder.push(chunk);
        await paced(takePending());
      }
    } catch (error) {
      deps.logger.warn({ err: error, source: name }, 'nmea stream failed');
    }
    decoder.end();
    await paced(takePending());
    deps.logger.info({ source: name, ...decoder.stats(), fixes }, 'nmea replay finished');
  }

  return {
    name,
    async start(emit) {
      const input = config.input;
      if (input.kind === 'stream') {
        const stream = input.open();
        stopInput = async () => {
          stream.destroy();
        };
        finished = replay(stream, input.pace, emit);
        return;
      }
      const serial = await openSerialInput(input, {
        logger: deps.logger,
        open: deps.openSerial,
        onData: (chunk) => {
          decoder.push(chunk);
          emitEpochs(emit, takePending());
        },
        onQuiet: () => {
          decoder.flush();
          emitEpochs(emit, takePending());
        },
        quietMs: config.quietFlushMs ?? 1500,
      });
      stopInput = () => serial.close();
    },
    finished: () => finished,
    async close() {
      closed = true;
      closing.abort();
      await stopInput?.();
      await finished;
    },
    stats() {
      return { ...decoder.stats(), fixes, ...Object.fromEntries(Object.entries(skipped).map(([k, v]) => [`skipped.${k}`, v])) };
    },
  };
}

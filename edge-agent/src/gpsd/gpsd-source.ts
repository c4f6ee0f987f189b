import { createConnection, type Socket } from 'node:net';
import { silentLogger, type Logger } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../sources/source.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { parseGpsdLine, type GpsdTpv } from './gpsd-messages.js';
import { LineSplitter } from './line-splitter.js';
import { summariseSky, tpvToFix, type SkySummary } from './tpv-to-fix.js';

export interface GpsdSourceConfig {
  /** gpsd's default listener is 127.0.0.1:2947 (gpsd(8)). */
  host?: string;
  port?: number;
  /** Watch only this receiver (e.g. `/dev/ttyUSB0`); by default every device gpsd knows. */
  device?: string;
  backoff?: Partial<BackoffPolicy>;
  /** gpsd sends several TPVs per receiver cycle, each more complete; the epoch is emitted once this long passes quietly. */
  epochFlushMs?: number;
  /** A SKY report older than this no longer decorates fixes with satellites / HDOP. */
  skyMaxAgeMs?: number;
  connectTimeoutMs?: number;
  maxLineChars?: number;
}

export interface GpsdSourceDeps {
  logger?: Logger;
  /** [0, 1); injected so backoff jitter is reproducible in tests. */
  random?: () => number;
  /** Monotonic-enough milliseconds for SKY freshness. */
  now?: () => number;
}

const COUNTERS = [
  'connects', 'reconnects', 'connectFailures', 'disconnects', 'lines', 'tpv', 'sky', 'version', 'gpsdErrors', 'otherReports',
  'malformed', 'malformedBadJson', 'malformedNotReport', 'overlongLines', 'fixes', 'skippedNoFix', 'skippedNoTime',
  'skippedBadTime', 'skippedBadPosition', 'duplicateEpoch', 'timeWentBack', 'otherDevice', 'emitErrors',
] as const;
type Counter = (typeof COUNTERS)[number];

const REJECT_COUNTER = {
  'no-fix': 'skippedNoFix',
  'no-time': 'skippedNoTime',
  'bad-time': 'skippedBadTime',
  'bad-position': 'skippedBadPosition',
} as const satisfies Record<string, Counter>;

/**
 * Reads fixes from a gpsd daemon over its JSON socket protocol. Survives gpsd restarts: on any disconnect it
 * reconnects with exponential backoff and jitter, forever, until `close()`.
 */
export class GpsdSource implements Source {
  readonly name: string;
  private readonly host: string;
  private readonly port: number;
  private readonly device: string | undefined;
  private readonly backoff: BackoffPolicy;
  private readonly epochFlushMs: number;
  private readonly skyMaxAgeMs: number;
  private readonly connectTimeoutMs: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly splitter: LineSplitter;
  private readonly counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;

  private emit: ((reading: Reading) => void) | null = null;
  private socket: Socket | null = null;
  private closed = false;
  private everConnected = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private epochTimer: NodeJS.Timeout | null = null;
  private held: { ts: number; tpv: GpsdTpv } | null = null;
  private lastEmittedTs = -1;
  private sky: { summary: SkySummary; at: number } | null = null;

  constructor(config: GpsdSourceConfig = {}, deps: GpsdSourceDeps = {}) {
    this.host = config.host ?? '127.0.0.1';
    this.port = config.port ?? 2947;
    this.device = config.device;
    this.backoff = { ...DEFAULT_BACKOFF, ...config.backoff };
    this.epochFlushMs = config.epochFlushMs ?? 400;
    this.skyMaxAgeMs = config.skyMaxAgeMs ?? 5000;
    this.connectTimeoutMs = config.connectTimeoutMs ?? 5000;
    this.splitter = new LineSplitter(config.maxLineChars ?? 64 * 1024);
    this.logger = deps.logger ?? silentLogger;
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
    this.name = `gpsd:${this.host}:${this.port}${this.device ? `:${this.device}` : ''}`;
  }

  /** Resolves at once: a gpsd that is not up yet is retried in the background, not an error. */
  async start(emit: (reading: Reading) => void): Promise<void> {
    if (this.emit) throw new Error(`${this.name} already started`);
    this.emit = emit;
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.flushEpoch();
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  stats(): Record<string, number> {
    return { ...this.counters, overlongLines: this.splitter.overlong };
  }

  private connect(): void {
    if (this.closed) return;
    let connected = false;
    const socket = createConnection({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.setTimeout(this.connectTimeoutMs, () => socket.destroy(new Error('connect timeout')));
    socket.once('connect', () => {
      connected = true;
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      this.counters.connects++;
      if (this.everConnected) this.counters.reconnects++;
      this.everConnected = true;
      this.attempt = 0;
      const watch: Record<string, unknown> = { enable: true, json: true };
      if (this.device) watch['device'] = this.device;
      socket.write(`?WATCH=${JSON.stringify(watch)}\n`);
      this.logger.info({ host: this.host, port: this.port, device: this.device }, 'connected to gpsd');
    });
    socket.on('data', (chunk: string) => this.splitter.push(chunk, (line) => this.onLine(line)));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.logger.debug({ err: err.code ?? err.message, host: this.host, port: this.port }, 'gpsd socket error');
    });
    socket.once('close', () => this.onClose(connected));
  }

  private onClose(wasConnected: boolean): void {
    this.socket = null;
    this.splitter.reset();
    this.sky = null;
    // What arrived before the drop is a valid epoch; do not hold it hostage to a reconnect.
    this.flushEpoch();
    if (this.closed) return;
    if (wasConnected) this.counters.disconnects++;
    else this.counters.connectFailures++;
    const delayMs = backoffDelayMs(this.backoff, this.attempt++, this.random);
    this.logger.warn({ host: this.host, port: this.port, wasConnected, delayMs, attempt: this.attempt }, 'gpsd connection lost; retrying');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delayMs);
  }

  private onLine(line: string): void {
    this.counters.lines++;
    if (line.length === 0) return;
    const parsed = parseGpsdLine(line);
    if (!parsed.ok) {
      this.counters.malformed++;
      this.counters[parsed.reason === 'bad-json' ? 'malformedBadJson' : 'malformedNotReport']++;
      return;
    }
    const m = parsed.message;
    switch (m.class) {
      case 'TPV':
        this.counters.tpv++;
        this.onTpv(m.tpv);
        return;
      case 'SKY':
        this.counters.sky++;
        if (this.device && m.sky.device && m.sky.device !== this.device) return;
        this.sky = { summary: summariseSky(m.sky), at: this.now() };
        return;
      case 'VERSION':
        this.counters.version++;
        this.logger.info({ release: m.release, protoMajor: m.protoMajor }, 'gpsd version');
        return;
      case 'ERROR':
        this.counters.gpsdErrors++;
        this.logger.warn({ gpsdMessage: m.message }, 'gpsd reported an error');
        return;
      case 'OTHER':
        this.counters.otherReports++;
        return;
    }
  }

  private onTpv(tpv: GpsdTpv): void {
    if (this.device && tpv.device && tpv.device !== this.device) {
      this.counters.otherDevice++;
      return;
    }
    const checked = tpvToFix(tpv, undefined);
    if (!checked.ok) {
      this.counters[REJECT_COUNTER[checked.reason]]++;
      return;
    }
    const ts = checked.fix.ts;
    if (this.held && this.held.ts === ts) {
      // A later TPV of the same epoch carries everything the earlier one did and more (altitude, errors, track).
      this.held.tpv = tpv;
    } else {
      this.flushEpoch();
      if (ts === this.lastEmittedTs) {
        this.counters.duplicateEpoch++;
        return;
      }
      if (ts < this.lastEmittedTs) this.counters.timeWentBack++;
      this.held = { ts, tpv };
    }
    if (this.epochTimer) clearTimeout(this.epochTimer);
    this.epochTimer = setTimeout(() => this.flushEpoch(), this.epochFlushMs);
  }

  private freshSky(): SkySummary | undefined {
    if (!this.sky || this.now() - this.sky.at > this.skyMaxAgeMs) return undefined;
    return this.sky.summary;
  }

  private flushEpoch(): void {
    if (this.epochTimer) clearTimeout(this.epochTimer);
    this.epochTimer = null;
    const held = this.held;
    if (!held) return;
    this.held = null;
    const result = tpvToFix(held.tpv, this.freshSky());
    if (!result.ok || !this.emit) return;
    this.lastEmittedTs = held.ts;
    this.counters.fixes++;
    try {
      this.emit({ kind: 'fix', body: result.fix });
    } catch (err) {
      this.counters.emitErrors++;
      this.logger.error({ err }, 'fix consumer threw; fix dropped by the consumer');
    }
  }
}

export function buildGpsdSource(config: GpsdSourceConfig = {}, deps: GpsdSourceDeps = {}): GpsdSource {
  return new GpsdSource(config, deps);
}

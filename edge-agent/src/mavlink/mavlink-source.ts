import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Clock, Logger } from '@fieldtrace/service-kit';
import type { Reading, Source } from '../sources/source.js';
import type { CameraProfile } from './camera-events.js';
import { MAVLINK_UDP_PORT, MavlinkLinkFailed, openSerialLink, openUdpLink, type ByteLink, type SerialPortConstructor, type UdpLink } from './links.js';
import { MavlinkMapper } from './mapper.js';
import { PacketDecoder } from './packet-decoder.js';
import { RawFrameSplitter } from './raw-splitter.js';
import type { TlogFramer } from './tlog-framer.js';
import { replayTlog } from './tlog-replay.js';

export type MavlinkLink =
  | { kind: 'udp'; port?: number; bindAddress?: string }
  | { kind: 'serial'; path: string; baudRate?: number }
  /** speed: 0 = as fast as possible (default), 1 = real time. */
  | { kind: 'tlog'; path: string; speed?: number }
  /** A raw byte capture without timestamps (`.bin`); receive time is the clock's now. */
  | { kind: 'raw-file'; path: string };

export interface MavlinkSourceConfig {
  link: MavlinkLink;
  /** 32-byte MAVLink 2 signing secret; when set, frames whose signature does not verify are dropped. */
  signingKey?: Buffer;
  allowUnsigned?: boolean;
  systemId?: number;
  camera: CameraProfile;
  gpsFixes?: boolean;
  droneMinIntervalMs?: number;
}

export interface MavlinkSourceDeps {
  clock: Clock;
  logger: Logger;
  /** Serial port class; default serialport's `SerialPort` (loaded on demand). Tests pass `SerialPortMock`. */
  serialPort?: SerialPortConstructor;
}

export interface MavlinkSource extends Source {
  /** UDP links: the bound address (learn the port after binding port 0). */
  address(): { address: string; port: number } | undefined;
  /** File links: resolves when the whole file has been read (or the source closed). */
  finished(): Promise<void>;
  /** Decoded packets per message name (e.g. GLOBAL_POSITION_INT). */
  typeCounts(): Record<string, number>;
}

async function readable(path: string): Promise<void> {
  try {
    await access(path);
  } catch (err) {
    throw MavlinkLinkFailed(['file', `cannot read ${path}: ${(err as Error).message}`], { cause: err });
  }
}

/** 57600 baud is ArduPilot's default for SERIALn telemetry ports and SiK radios. */
const DEFAULT_BAUD = 57600;

/**
 * A drone ground-station input: MAVLink from UDP, a serial telemetry link, or a recorded `.tlog`/raw capture,
 * decoded against the minimal+standard+common+ardupilotmega dialects and mapped to drone/image/fix/sensor readings.
 *
 * Event time on tlog replay comes from the record timestamps (the ground station's clock at logging); on live
 * links from the injected clock at receipt. Either way the autopilot's time_boot_ms is anchored to it (see
 * BootTimeAnchor), so readings carry when the autopilot sampled them rather than when the radio delivered them.
 */
export function createMavlinkSource(config: MavlinkSourceConfig, deps: MavlinkSourceDeps): MavlinkSource {
  const decoder = new PacketDecoder({ signingKey: config.signingKey, allowUnsigned: config.allowUnsigned });
  const mapper = new MavlinkMapper({
    systemId: config.systemId,
    camera: config.camera,
    gpsFixes: config.gpsFixes,
    droneMinIntervalMs: config.droneMinIntervalMs,
  });
  const abort = new AbortController();
  let emit: ((reading: Reading) => void) | undefined;
  let readings = 0;
  let splitter: RawFrameSplitter | undefined;
  let framer: TlogFramer | undefined;
  let link: ByteLink | undefined;
  let udp: UdpLink | undefined;
  /** File reading in the background; never rejects (a failure is kept for `finished()`), so no unhandled rejection. */
  let done: Promise<void> = Promise.resolve();
  let failure: unknown;

  function ingest(frame: Buffer, receivedAtMs: number): void {
    const message = decoder.decode(frame, receivedAtMs);
    if (!message || !emit) return;
    for (const reading of mapper.map(message)) {
      readings++;
      emit(reading);
    }
  }

  function rawSplitter(): RawFrameSplitter {
    splitter = new RawFrameSplitter((frame) => ingest(frame, deps.clock.now()));
    return splitter;
  }

  async function startLink(): Promise<void> {
    const spec = config.link;
    switch (spec.kind) {
      case 'udp': {
        const raw = rawSplitter();
        udp = await openUdpLink(spec.port ?? MAVLINK_UDP_PORT, spec.bindAddress ?? '0.0.0.0', (bytes) => raw.write(bytes));
        link = udp;
        deps.logger.info({ address: udp.address() }, 'mavlink udp listening');
        return;
      }
      case 'serial': {
        const raw = rawSplitter();
        link = await openSerialLink(spec.path, spec.baudRate ?? DEFAULT_BAUD, (bytes) => raw.write(bytes), deps.serialPort);
        deps.logger.info({ path: spec.path, baudRate: spec.baudRate ?? DEFAULT_BAUD }, 'mavlink serial open');
        return;
      }
      case 'tlog':
        await readable(spec.path);
        done = background(spec.path, async () => {
          framer = await replayTlog(spec.path, { speed: spec.speed ?? 0, signal: abort.signal, now: () => deps.clock.now() }, (record) =>
            ingest(record.frame, record.loggedAtMs),
          );
        });
        return;
      case 'raw-file': {
        await readable(spec.path);
        const raw = rawSplitter();
        done = background(spec.path, async () => {
          for await (const chunk of createReadStream(spec.path, { signal: abort.signal }) as AsyncIterable<Buffer>) raw.write(chunk);
          await raw.end();
        });
        return;
      }
    }
  }

  function background(path: string, run: () => Promise<void>): Promise<void> {
    return run().then(
      () => deps.logger.info({ path, ...stats() }, 'mavlink file read'),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        failure = err;
        deps.logger.error({ err, path }, 'mavlink file read failed');
      },
    );
  }

  function stats(): Record<string, number> {
    const out: Record<string, number> = { ...decoder.counts, readings };
    if (splitter) {
      out['unknown-id'] = (out['unknown-id'] ?? 0) + splitter.unknownIds;
      out['crc-mismatch'] = (out['crc-mismatch'] ?? 0) + splitter.crcMismatches;
    }
    if (framer) {
      out.truncated = (out.truncated ?? 0) + framer.truncated;
      out['resync-bytes'] = framer.resyncBytes;
    }
    for (const [key, value] of Object.entries(mapper.counts)) out[key] = value;
    return out;
  }

  return {
    name: `mavlink:${config.link.kind}`,
    async start(onReading) {
      emit = onReading;
      await startLink();
    },
    async close() {
      abort.abort();
      await link?.close();
      await done.catch(() => undefined);
    },
    stats,
    address: () => udp?.address(),
    finished: () => done.then(() => {
      if (failure !== undefined) throw failure;
    }),
    typeCounts: () => Object.fromEntries(decoder.byType),
  };
}

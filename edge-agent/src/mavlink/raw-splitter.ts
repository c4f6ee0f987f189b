import { MavLinkPacketSplitter } from 'node-mavlink';

/**
 * Frames a raw MAVLink byte stream (serial, UDP datagrams, a `.bin` capture) with node-mavlink's splitter, which
 * scans for start bytes and resynchronises after garbage. Not for `.tlog` files: see TlogFramer.
 *
 * The splitter drops CRC failures and unknown ids itself; their counts are exposed so they land in the same stats.
 */
export class RawFrameSplitter {
  private readonly splitter: MavLinkPacketSplitter;
  crcMismatches = 0;

  constructor(onFrame: (frame: Buffer) => void) {
    this.splitter = new MavLinkPacketSplitter({}, { onCrcError: () => { this.crcMismatches++; } });
    this.splitter.on('data', (chunk: { buffer: Buffer }) => onFrame(chunk.buffer));
  }

  write(bytes: Buffer): void {
    this.splitter.write(bytes);
  }

  get unknownIds(): number {
    return this.splitter.unknownPackagesCount;
  }

  /** Resolves once every byte written so far has been framed and delivered. */
  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.splitter.once('end', resolve);
      this.splitter.once('error', reject);
      this.splitter.end();
      this.splitter.resume();
    });
  }
}

import { createHash } from 'node:crypto';
import { MavLinkPacketSignature } from 'node-mavlink';
import { isSigned } from './frame.js';

export type SignatureVerdict = 'unsigned' | 'signed' | 'bad-signature' | 'replayed';

/**
 * MAVLink 2 message signing (https://mavlink.io/en/guide/message_signing.html): the last 13 bytes of a signed frame
 * are link id (1), timestamp (6, LE, 10 µs units since 2015-01-01) and signature (6) = the first 48 bits of
 * sha256(secret key ‖ frame up to and including the timestamp), computed by node-mavlink's `MavLinkPacketSignature`.
 *
 * Replay protection per the spec: for each (system, component, link) stream the timestamp must increase.
 */
export class SignatureChecker {
  private readonly key: Buffer;
  private readonly lastTimestamp = new Map<number, number>();

  /** `key` is the 32-byte secret (Mission Planner derives it as sha256(passphrase); see `signingKeyFromPassphrase`). */
  constructor(key: Buffer) {
    this.key = key;
  }

  check(frame: Buffer): SignatureVerdict {
    if (!isSigned(frame)) return 'unsigned';
    const signature = new MavLinkPacketSignature(frame);
    if (!signature.matches(this.key)) return 'bad-signature';
    const timestamp = signature.timestamp;
    // v2 header: sysid at byte 5, compid at byte 6.
    const stream = ((frame[5] ?? 0) << 16) | ((frame[6] ?? 0) << 8) | signature.linkId;
    const last = this.lastTimestamp.get(stream);
    if (last !== undefined && timestamp <= last) return 'replayed';
    this.lastTimestamp.set(stream, timestamp);
    return 'signed';
  }
}

export function signingKeyFromPassphrase(passphrase: string): Buffer {
  return createHash('sha256').update(passphrase).digest();
}

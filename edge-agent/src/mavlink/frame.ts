import { x25crc } from 'node-mavlink';
import { crcExtraFor } from './registry.js';

/** Start-of-frame bytes (MAVLink spec "Packet Serialization"). */
export const STX_V1 = 0xfe;
export const STX_V2 = 0xfd;
/** v2 incompat flag: a 13-byte signature (link id, 48-bit timestamp, 48-bit signature) follows the CRC. */
export const IFLAG_SIGNED = 0x01;
export const SIGNATURE_LENGTH = 13;
/** Bytes before the payload: v1 STX,len,seq,sys,comp,msgid; v2 adds incompat, compat and a 24-bit msgid. */
const V1_HEADER = 6;
const V2_HEADER = 10;
const CRC_LENGTH = 2;

export type FrameReject = 'unknown-id' | 'crc-mismatch';

/**
 * Total frame length for a frame starting at `offset`, or `undefined` when not enough bytes are present to know it
 * (v2 needs the incompat flags at offset+2). Returns -1 when the byte at `offset` is not a start byte.
 */
export function frameLength(buf: Uint8Array, offset: number): number | undefined {
  const stx = buf[offset];
  if (stx === undefined) return undefined;
  const payloadLength = buf[offset + 1];
  if (stx === STX_V1) {
    return payloadLength === undefined ? undefined : V1_HEADER + payloadLength + CRC_LENGTH;
  }
  if (stx === STX_V2) {
    const incompat = buf[offset + 2];
    if (payloadLength === undefined || incompat === undefined) return undefined;
    return V2_HEADER + payloadLength + CRC_LENGTH + ((incompat & IFLAG_SIGNED) !== 0 ? SIGNATURE_LENGTH : 0);
  }
  return -1;
}

export function isSigned(frame: Uint8Array): boolean {
  return frame[0] === STX_V2 && ((frame[2] ?? 0) & IFLAG_SIGNED) !== 0;
}

export function frameMsgId(frame: Buffer): number {
  return frame[0] === STX_V2 ? frame.readUIntLE(7, 3) : (frame[5] ?? 0);
}

/**
 * Checks one complete frame the way node-mavlink's splitter does (same CRC_EXTRA table, same X.25 CRC), so strict
 * tlog framing and the splitter agree on what is valid. Returns `null` for a good frame.
 */
export function checkFrame(frame: Buffer): FrameReject | null {
  const crcExtra = crcExtraFor(frameMsgId(frame));
  if (crcExtra === undefined) return 'unknown-id';
  const trailer = CRC_LENGTH + (isSigned(frame) ? SIGNATURE_LENGTH : 0);
  const expected = x25crc(frame, 1, trailer, crcExtra);
  return expected === frame.readUInt16LE(frame.length - trailer) ? null : 'crc-mismatch';
}

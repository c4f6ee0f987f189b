import { MavLinkProtocolV1, MavLinkProtocolV2, type MavLinkData, type MavLinkProtocol } from 'node-mavlink';
import { checkFrame, frameLength, frameMsgId, isSigned, STX_V2 } from './frame.js';
import { MAVLINK_REGISTRY } from './registry.js';
import { SignatureChecker } from './signing.js';

/** A frame that passed every check, decoded into its node-mavlink data class. */
export interface DecodedMessage {
  msgid: number;
  name: string;
  sysid: number;
  compid: number;
  data: MavLinkData;
  /** When the frame was logged (tlog) or received (live link), Unix ms. */
  receivedAtMs: number;
}

export interface DecoderOptions {
  /** 32-byte MAVLink 2 signing key. When set, frames that are not correctly signed are dropped. */
  signingKey?: Buffer;
  /**
   * With a key set, still accept unsigned frames (the spec lets a system allow e.g. RADIO_STATUS unsigned). Off by
   * default: MAVLink 1 frames cannot be signed, so a keyed source drops every v1 frame unless this is set.
   */
  allowUnsigned?: boolean;
}

/** Reject reasons; stable strings used as stats keys. */
export type DecodeReject = 'not-a-frame' | 'truncated' | 'unknown-id' | 'crc-mismatch' | 'decode-error' | 'bad-signature' | 'replayed' | 'unsigned-dropped';

const V1 = new MavLinkProtocolV1();
const V2 = new MavLinkProtocolV2();

/**
 * Validates (CRC with the message's CRC_EXTRA, known id, signature) and deserialises complete frames. Never throws:
 * every frame is either returned decoded or counted under a reject reason.
 */
export class PacketDecoder {
  private readonly signing: SignatureChecker | undefined;
  private readonly allowUnsigned: boolean;
  readonly counts: Record<string, number> = { frames: 0, packets: 0, signed: 0, unsigned: 0 };
  readonly byType = new Map<string, number>();

  constructor(options: DecoderOptions = {}) {
    this.signing = options.signingKey ? new SignatureChecker(options.signingKey) : undefined;
    this.allowUnsigned = options.allowUnsigned ?? false;
  }

  decode(frame: Buffer, receivedAtMs: number): DecodedMessage | null {
    this.count('frames');
    const length = frameLength(frame, 0);
    if (length === -1) return this.reject('not-a-frame');
    if (length !== frame.length) return this.reject('truncated');
    const reject = checkFrame(frame);
    if (reject) return this.reject(reject);
    const msgid = frameMsgId(frame);
    const clazz = MAVLINK_REGISTRY[msgid];
    // The CRC table knows every dialect; our registry only four. A valid frame of another dialect is still unknown.
    if (!clazz) return this.reject('unknown-id');
    if (!this.acceptSignature(frame)) return null;
    const v2 = frame[0] === STX_V2;
    const protocol: MavLinkProtocol = v2 ? V2 : V1;
    let data: MavLinkData;
    try {
      data = protocol.data(protocol.payload(frame), clazz);
    } catch {
      return this.reject('decode-error');
    }
    this.count('packets');
    this.byType.set(clazz.MSG_NAME, (this.byType.get(clazz.MSG_NAME) ?? 0) + 1);
    // Header layout: v1 STX,len,seq,sys,comp,msgid; v2 STX,len,incompat,compat,seq,sys,comp,msgid×3.
    const sysid = frame[v2 ? 5 : 3] ?? 0;
    const compid = frame[v2 ? 6 : 4] ?? 0;
    return { msgid, name: clazz.MSG_NAME, sysid, compid, data, receivedAtMs };
  }

  private acceptSignature(frame: Buffer): boolean {
    this.count(isSigned(frame) ? 'signed' : 'unsigned');
    if (!this.signing) return true;
    const verdict = this.signing.check(frame);
    if (verdict === 'signed') return true;
    if (verdict === 'unsigned') {
      if (this.allowUnsigned) return true;
      this.reject('unsigned-dropped');
      return false;
    }
    this.reject(verdict);
    return false;
  }

  private reject(reason: DecodeReject): null {
    this.count(reason);
    return null;
  }

  private count(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

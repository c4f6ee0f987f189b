import { decodeUplink, type UplinkKind, type GpsFix, type UplinkMessage } from '@fieldtrace/protocol';
import type { StoreWriter } from './store-writer.js';
import type { Done } from './lane.js';

/**
 * One uplink message, whichever broker it came through: decode and validate, then queue it for the store or,
 * if it is bad, for the dead-letter table. `done` runs once the message (or its dead letter) is committed.
 * Never throws: a bad message is data, not an exception.
 */
export function handleUplink(
  writer: StoreWriter,
  tenantId: string,
  deviceId: string,
  kind: UplinkKind,
  topic: string,
  payload: Buffer,
  receivedAt: number,
  done: Done,
): void {
  const decoded = decodeUplink(kind, payload);
  if (!decoded.ok) {
    writer.addDeadLetter({ tenantId, deviceId, topic, reason: decoded.reason, detail: decoded.detail, payload }, done);
    return;
  }
  if (kind === 'fix') writer.addFix(tenantId, deviceId, decoded.value as GpsFix, receivedAt, done);
  else writer.addMessage(tenantId, deviceId, kind, decoded.value as UplinkMessage, receivedAt, done);
}

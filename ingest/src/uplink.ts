import { decodeUplink, type UplinkKind, type GpsFix, type GpsFixBatch, type UplinkMessages } from '@fieldtrace/protocol';
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
  else if (kind === 'fixes') addBatch(writer, tenantId, deviceId, (decoded.value as GpsFixBatch).fixes, receivedAt, done);
  else writer.addMessage(tenantId, deviceId, kind, decoded.value as UplinkMessages[typeof kind], receivedAt, done);
}

/** A batch is acknowledged once every fix in it is committed; if any is refused, the whole message is not. */
function addBatch(writer: StoreWriter, tenantId: string, deviceId: string, fixes: GpsFix[], receivedAt: number, done: Done): void {
  let waiting = fixes.length;
  let failed = false;
  const one: Done = (err) => {
    if (failed) return;
    if (err) {
      failed = true;
      done(err);
    } else if (--waiting === 0) done();
  };
  for (let i = 0; i < fixes.length; i++) writer.addFix(tenantId, deviceId, fixes[i]!, receivedAt, one);
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDeviceUsername } from '@fieldtrace/protocol';
import type { Db } from '@fieldtrace/store';

export interface DeviceIdentity {
  tenantId: string;
  deviceId: string;
}

/**
 * Checks an MQTT CONNECT's credentials against the devices table. The username is `{tenant}/d/{device}`; the
 * password's SHA-256 must equal the stored hash (secrets are random ≥ 24-byte tokens, so a fast hash is enough).
 */
export async function authenticateDevice(db: Db, username: string | undefined, password: Buffer | undefined): Promise<DeviceIdentity | null> {
  if (!username || !password) return null;
  const id = parseDeviceUsername(username);
  if (!id) return null;
  const rows = await db.query<{ secret_hash: string }>('SELECT secret_hash FROM devices WHERE tenant_id = $1 AND id = $2', [id.tenantId, id.deviceId]);
  const stored = rows[0]?.secret_hash;
  if (!stored) return null;
  const given = createHash('sha256').update(password).digest();
  const expected = Buffer.from(stored, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}

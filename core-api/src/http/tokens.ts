import { createHash, randomBytes } from 'node:crypto';

/** API keys: 32 random bytes (256 bits), base64url, so a fast hash is enough to store them (no guessing attack). */
export function newApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Device MQTT secrets: 24 random bytes (192 bits), base64url (32 characters). */
export function newDeviceSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** What the database keeps of a key or secret: SHA-256, lowercase hex (api_keys.key_hash, devices.secret_hash). */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

import { createHash, randomBytes } from 'node:crypto';
import type { GpsFix } from '@fieldtrace/protocol';

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A valid fix with overridable fields. */
export function fix(seq: number, ts: number, lat: number, lon: number, extra: Partial<GpsFix> = {}): GpsFix {
  return { v: 1, seq, ts, lat, lon, accuracy: 5, speed: 8, heading: 90, fix: '3d', sats: 9, ...extra };
}

/**
 * Identifiers as they appear in topics, URLs and rows. One charset for all of them so a topic level
 * can never smuggle a separator or wildcard (`/`, `+`, `#`) into another tenant's namespace.
 */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const idRe = new RegExp(ID_PATTERN);

export function isValidId(value: string): boolean {
  return idRe.test(value);
}

export type TenantId = string;
export type DeviceId = string;
export type VehicleId = string;
export type SiteId = string;
export type JobId = string;
export type GeofenceId = string;

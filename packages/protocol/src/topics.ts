import { isValidId } from './ids.js';

/**
 * The MQTT topic map. Every topic starts with the tenant, so one broker serves many fleets and an ACL is a prefix test.
 *
 *   ft/{tenant}/d/{device}/up/{kind}     device → platform (telemetry). Devices may publish only here, only as themselves.
 *   ft/{tenant}/d/{device}/down/{kind}   platform → device (config, commands). Devices may subscribe only here.
 *   ft/{tenant}/bus/{kind}               platform-internal: validated positions and derived events between services.
 */
export const TOPIC_ROOT = 'ft';

export const UPLINK_KINDS = ['fix', 'fixes', 'sensor', 'status', 'drone', 'image', 'detections'] as const;
export type UplinkKind = (typeof UPLINK_KINDS)[number];

export const DOWNLINK_KINDS = ['config', 'cmd'] as const;
export type DownlinkKind = (typeof DOWNLINK_KINDS)[number];

export const BUS_KINDS = ['position', 'geofence', 'eta', 'job', 'changed', 'status', 'sensor', 'drone', 'image', 'alert', 'trip', 'timesheet', 'plan', 'inspection', 'detections'] as const;
export type BusKind = (typeof BUS_KINDS)[number];

const uplinkKinds: ReadonlySet<string> = new Set(UPLINK_KINDS);

export function uplinkTopic(tenantId: string, deviceId: string, kind: UplinkKind): string {
  return `${TOPIC_ROOT}/${tenantId}/d/${deviceId}/up/${kind}`;
}

/** Everything a device may publish starts with this; precompute it once per connection. */
export function uplinkPrefix(tenantId: string, deviceId: string): string {
  return `${TOPIC_ROOT}/${tenantId}/d/${deviceId}/up/`;
}

export function downlinkTopic(tenantId: string, deviceId: string, kind: DownlinkKind): string {
  return `${TOPIC_ROOT}/${tenantId}/d/${deviceId}/down/${kind}`;
}

/** Everything a device may subscribe to starts with this (including its `#` filter). */
export function downlinkPrefix(tenantId: string, deviceId: string): string {
  return `${TOPIC_ROOT}/${tenantId}/d/${deviceId}/down/`;
}

export function busTopic(tenantId: string, kind: BusKind): string {
  return `${TOPIC_ROOT}/${tenantId}/bus/${kind}`;
}

/** Filters for subscribers. */
export const ALL_UPLINK_FILTER = `${TOPIC_ROOT}/+/d/+/up/+`;
export function busFilter(kind: BusKind | '+', tenantId: string | '+' = '+'): string {
  return `${TOPIC_ROOT}/${tenantId}/bus/${kind}`;
}
/** MQTT v5 shared subscription (MQTT-5 §4.8.2): the broker splits matching messages across the group's members. */
export function sharedFilter(group: string, filter: string): string {
  return `$share/${group}/${filter}`;
}

export interface UplinkAddress {
  tenantId: string;
  deviceId: string;
  kind: UplinkKind;
}

/**
 * Parses `ft/{tenant}/d/{device}/up/{kind}` with indexOf rather than split: this runs once per message in
 * external-broker mode. Returns null for anything else.
 */
export function parseUplinkTopic(topic: string): UplinkAddress | null {
  if (!topic.startsWith('ft/')) return null;
  const t = topic.indexOf('/', 3);
  if (t <= 3 || topic.charCodeAt(t + 1) !== 100 /* d */ || topic.charCodeAt(t + 2) !== 47 /* / */) return null;
  const d = topic.indexOf('/', t + 3);
  if (d <= t + 3 || !topic.startsWith('/up/', d)) return null;
  const kind = topic.slice(d + 4);
  if (!uplinkKinds.has(kind)) return null;
  return { tenantId: topic.slice(3, t), deviceId: topic.slice(t + 3, d), kind: kind as UplinkKind };
}

export function isUplinkKind(kind: string): kind is UplinkKind {
  return uplinkKinds.has(kind);
}

/** Parses `ft/{tenant}/bus/{kind}`. */
export function parseBusTopic(topic: string): { tenantId: string; kind: string } | null {
  if (!topic.startsWith('ft/')) return null;
  const t = topic.indexOf('/', 3);
  if (t <= 3 || !topic.startsWith('/bus/', t)) return null;
  return { tenantId: topic.slice(3, t), kind: topic.slice(t + 5) };
}

/**
 * A device's MQTT username is its topic path below the root: `{tenant}/d/{device}`. With that one choice the
 * same ACL holds on every broker: publish `ft/{username}/up/+`, subscribe `ft/{username}/down/#` (Mosquitto:
 * `pattern write ft/%u/up/+`, `pattern read ft/%u/down/#`).
 */
export function deviceUsername(tenantId: string, deviceId: string): string {
  return `${tenantId}/d/${deviceId}`;
}

export function parseDeviceUsername(username: string): { tenantId: string; deviceId: string } | null {
  const i = username.indexOf('/d/');
  if (i <= 0) return null;
  const tenantId = username.slice(0, i);
  const deviceId = username.slice(i + 3);
  if (!isValidId(tenantId) || !isValidId(deviceId)) return null;
  return { tenantId, deviceId };
}

/**
 * The fields every device message carries on the bus (ingest adds tenantId and deviceId). The bus is internal, so
 * this only guards against something else on a topic crashing the cores.
 */
export interface DeviceMessage {
  tenantId: string;
  deviceId: string;
  ts: number;
  receivedAt?: number;
}

export function isDeviceMessage(m: unknown): m is DeviceMessage {
  const d = m as DeviceMessage;
  return typeof d === 'object' && d !== null && typeof d.tenantId === 'string' && typeof d.deviceId === 'string' && typeof d.ts === 'number';
}

/** Sensor names a device may report its ignition or engine state under (edge-agent profiles use the first ones). */
const IGNITION = new Set(['ignition', 'ign', 'acc']);
const ENGINE = new Set(['engine', 'engine_on', 'engineOn', 'engine_running']);

/** The ignition/engine signal carried by a sensor message, or null when it carries none. */
export function ignitionOf(readings: ReadonlyArray<{ name: string; value: number | boolean }>): { ignition?: boolean; engineOn?: boolean } | null {
  let out: { ignition?: boolean; engineOn?: boolean } | null = null;
  for (const r of readings) {
    if (IGNITION.has(r.name)) (out ??= {}).ignition = r.value === true || (typeof r.value === 'number' && r.value > 0);
    else if (ENGINE.has(r.name)) (out ??= {}).engineOn = r.value === true || (typeof r.value === 'number' && r.value > 0);
  }
  return out;
}

/**
 * Which devices this process owns when the processors run as N processes: `k/N` owns the devices whose id hashes
 * (FNV-1a, 32 bit) to k modulo N. All per-device state (geofence memberships, reorder buffers, trips, alert tracks)
 * is keyed by device, so processes never share state; a device's messages must reach the one owner (see README).
 */
export interface PartitionFilter {
  owns(deviceId: string): boolean;
  describe(): string;
}

export function createPartitionFilter(spec: string): PartitionFilter {
  const [k, n] = spec.split('/').map(Number) as [number, number];
  if (!(n >= 1) || !(k >= 0) || k >= n) throw new RangeError(`PROCESSOR_PARTITION ${spec}: want k/N with 0 <= k < N`);
  if (n === 1) return { owns: () => true, describe: () => 'all devices' };
  return { owns: (deviceId) => partitionOf(deviceId, n) === k, describe: () => `devices hashing to ${k} of ${n}` };
}

export function partitionOf(deviceId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

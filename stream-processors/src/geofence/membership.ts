import type { CompiledFence } from './compiled-fence.js';

export const DevicePhase = {
  /** Inside, the dwell-in time not yet complete. */
  Entered: 1,
  /** Inside long enough: arrived. */
  Arrived: 2,
  /** Left after arriving; departed once the dwell-out time passes without coming back. */
  Away: 3,
} as const;
export type DevicePhase = (typeof DevicePhase)[keyof typeof DevicePhase];

/** One device's relation to one fence while it is anything but plainly outside. */
export class Membership {
  readonly fence: CompiledFence;
  phase: DevicePhase = DevicePhase.Entered;
  enteredAt = 0;
  enterLat = 0;
  enterLon = 0;
  leftAt = 0;
  leftLat = 0;
  leftLon = 0;

  constructor(fence: CompiledFence) {
    this.fence = fence;
  }

  copy(): Membership {
    const m = new Membership(this.fence);
    m.phase = this.phase;
    m.enteredAt = this.enteredAt;
    m.enterLat = this.enterLat;
    m.enterLon = this.enterLon;
    m.leftAt = this.leftAt;
    m.leftLat = this.leftLat;
    m.leftLon = this.leftLon;
    return m;
  }
}

/** A device's geofence state at one moment, to rewind to when late fixes rewrite its history. */
export interface MembershipSnapshot {
  lastTs: number;
  lastLat: number;
  lastLon: number;
  lastCell: number;
  memberships: readonly Membership[];
}

export class DeviceFenceState {
  /** Event time of the last processed fix or heartbeat, Unix ms. */
  lastTs = Number.NEGATIVE_INFINITY;
  lastLat = 0;
  lastLon = 0;
  lastCell = -1;
  /** Usually zero to two, so a list beats a map. */
  memberships: Membership[] = [];

  find(fence: CompiledFence): Membership | undefined {
    const list = this.memberships;
    for (let i = 0; i < list.length; i++) if (list[i]!.fence === fence) return list[i];
    return undefined;
  }

  snapshot(): MembershipSnapshot {
    return { lastTs: this.lastTs, lastLat: this.lastLat, lastLon: this.lastLon, lastCell: this.lastCell, memberships: this.memberships.map((m) => m.copy()) };
  }

  restore(s: MembershipSnapshot): void {
    this.lastTs = s.lastTs;
    this.lastLat = s.lastLat;
    this.lastLon = s.lastLon;
    this.lastCell = s.lastCell;
    this.memberships = s.memberships.map((m) => m.copy());
  }
}

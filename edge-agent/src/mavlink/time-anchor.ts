/**
 * Turns an autopilot's `time_boot_ms` into Unix ms.
 *
 * Why not just use the receive time: radio links batch and delay frames, so the receive (or tlog) time jitters by
 * tens to hundreds of ms while `time_boot_ms` is the autopilot's own sample time. We anchor boot time to the receive
 * clock with the smallest observed (received - boot) offset: latency only ever adds to the receive time, so the
 * minimum is the best estimate of the true offset and event times never lie in the future of their receipt.
 * The receive clock is the tlog record time on replay and the injected wall clock on live links.
 *
 * A reboot resets `time_boot_ms`; when it jumps backwards the anchor is dropped and re-learnt. So is a receive
 * clock that jumps forward by more than any plausible link delay: edge computers without an RTC boot with a stale
 * clock and step it when NTP or GPS time arrives, and keeping the old offset would date everything in the past.
 */
export class BootTimeAnchor {
  private offsetMs: number | undefined;
  private lastBootMs = -1;
  /** Backwards steps smaller than this are reordering on the link, not a reboot. */
  private static readonly REBOOT_STEP_MS = 2000;
  /** Link delays beyond this are treated as a step of the receive clock, not latency. */
  private static readonly CLOCK_STEP_MS = 10_000;
  reboots = 0;
  clockSteps = 0;

  toUnixMs(bootMs: number, receivedAtMs: number): number {
    if (this.lastBootMs >= 0 && bootMs + BootTimeAnchor.REBOOT_STEP_MS < this.lastBootMs) {
      this.offsetMs = undefined;
      this.reboots++;
    }
    this.lastBootMs = bootMs;
    const offset = receivedAtMs - bootMs;
    if (this.offsetMs !== undefined && offset - this.offsetMs > BootTimeAnchor.CLOCK_STEP_MS) {
      this.offsetMs = undefined;
      this.clockSteps++;
    }
    if (this.offsetMs === undefined || offset < this.offsetMs) this.offsetMs = offset;
    return Math.round(this.offsetMs + bootMs);
  }
}

/** MAVLink `time_usec` fields hold either Unix µs (GPS-synchronised) or µs since boot; this tells them apart. */
const UNIX_US_THRESHOLD = 946_684_800_000_000; // 2000-01-01 in µs

export function unixMsFromUsec(timeUsec: bigint | number): number | undefined {
  const us = Number(timeUsec);
  return us >= UNIX_US_THRESHOLD ? Math.round(us / 1000) : undefined;
}

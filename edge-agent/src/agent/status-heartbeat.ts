import type { DeviceStatus } from '@fieldtrace/protocol';
import type { Clock } from '@fieldtrace/service-kit';

export type StatusBody = Omit<DeviceStatus, 'v' | 'seq'>;

export interface StatusFacts {
  firmware?: string | undefined;
  /** Records stored and not yet acknowledged by the broker. */
  backlog(): number;
  /** `{profile}@{version}` in force, or null before any profile. */
  profile(): string | null;
  /** Why the last pushed profile was refused, while no later one has been applied. */
  profileRejected(): string | null;
}

export interface StatusHeartbeat {
  /** Starts (or restarts with a new period) the heartbeat; 0 stops it. */
  schedule(intervalMs: number): void;
  /** Sends one status now (after a profile was applied or refused). */
  sendNow(): void;
  stop(): void;
  readonly sent: number;
}

/**
 * The agent's own DeviceStatus, sent through the durable queue like any reading (it gets a seq and survives an
 * outage). `uptimeS` counts from the agent's start on the injected clock.
 */
export function createStatusHeartbeat(facts: StatusFacts, deps: { clock: Clock; emit(body: StatusBody): void }): StatusHeartbeat {
  const startedAt = deps.clock.now();
  let timer: NodeJS.Timeout | null = null;
  let sent = 0;

  function body(): StatusBody {
    const now = deps.clock.now();
    const profile = facts.profile();
    const rejected = facts.profileRejected();
    return {
      ts: now,
      ...(facts.firmware ? { firmware: facts.firmware } : {}),
      uptimeS: Math.max(0, Math.floor((now - startedAt) / 1000)),
      backlog: facts.backlog(),
      ...(profile ? { profile } : {}),
      ...(rejected ? { profileRejected: rejected } : {}),
    };
  }

  function sendNow(): void {
    sent++;
    deps.emit(body());
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }

  return {
    schedule(intervalMs) {
      stop();
      if (intervalMs <= 0) return;
      timer = setInterval(sendNow, intervalMs);
      // The sources and the MQTT client keep the process alive; a heartbeat alone should not.
      timer.unref();
    },
    sendNow,
    stop,
    get sent() {
      return sent;
    },
  };
}

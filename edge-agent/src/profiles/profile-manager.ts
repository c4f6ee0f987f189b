import { isDeepStrictEqual } from 'node:util';
import { silentLogger, systemClock, type Clock, type Logger } from '@fieldtrace/service-kit';
import type { DeviceProfile } from './device-profile.js';
import type { ProfileStore } from './profile-store.js';
import { compareProfileVersions, formatProfileVersion } from './profile-version.js';
import { parseProfile } from './validate-profile.js';

/** Stable codes: they go into the device's status report and the platform's dashboards. */
export type ProfileRejectReason = 'invalid' | 'wrong-device-kind' | 'downgrade' | 'version-reused';

export type ApplyResult =
  | { outcome: 'applied'; profile: DeviceProfile; changed: string[] }
  | { outcome: 'unchanged'; profile: DeviceProfile }
  | { outcome: 'rejected'; reason: ProfileRejectReason; problems: string[]; kept: DeviceProfile | null }
  /** An empty retained message: the platform cleared the topic. The device keeps what it runs. */
  | { outcome: 'cleared'; kept: DeviceProfile | null };

export interface ProfileChange {
  profile: DeviceProfile;
  previous: DeviceProfile | null;
  /** Top-level sections that differ (`gps`, `queue`, `sensors`...), so a listener reconfigures only what moved. */
  changed: ReadonlySet<string>;
}

/**
 * What the device knows about its configuration. The status heartbeat carries the short form: DeviceStatus
 * `profile` (= label()) and `profileRejected` (= rejectionSummary()).
 */
export interface ProfileStatus {
  profile: string | null;
  profileVersion: string | null;
  appliedAt: number | null;
  lastRejection: { reason: ProfileRejectReason; version: string | null; at: number; problems: string[] } | null;
}

export interface ProfileManagerConfig {
  deviceKind: DeviceProfile['deviceKind'];
}

export interface ProfileManagerDeps {
  logger?: Logger;
  clock?: Clock;
  store?: ProfileStore;
}

/**
 * Holds the device's active profile. A profile arrives as bytes (retained `down/config` message or the file saved at
 * the last apply), is validated, and replaces the active one only if it is valid, meant for this kind of device and
 * not older than what runs. Anything else is rejected with a reason and the last good profile stays in force.
 */
export class ProfileManager {
  private readonly deviceKind: DeviceProfile['deviceKind'];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly store: ProfileStore | undefined;
  private readonly listeners = new Set<(change: ProfileChange) => void>();
  private active: DeviceProfile | null = null;
  private appliedAt: number | null = null;
  private lastRejection: ProfileStatus['lastRejection'] = null;
  /** The last rejection came after the last apply: the platform's latest intent is not in force. */
  private rejectionOutstanding = false;
  private readonly counters = { applied: 0, unchanged: 0, rejected: 0, cleared: 0, listenerErrors: 0, storeErrors: 0 };

  constructor(config: ProfileManagerConfig, deps: ProfileManagerDeps = {}) {
    this.deviceKind = config.deviceKind;
    this.logger = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.store = deps.store;
  }

  current(): DeviceProfile | null {
    return this.active;
  }

  /** Loads the profile saved at the last successful apply (at boot, before the broker is reachable). */
  restore(): ApplyResult | null {
    let text: string | null;
    try {
      text = this.store?.load() ?? null;
    } catch (err) {
      this.counters.storeErrors++;
      this.logger.error({ err }, 'cannot read the saved device profile');
      return null;
    }
    return text === null ? null : this.apply(text, { persist: false });
  }

  /** Applies a profile payload. Never throws on bad input; listeners run synchronously before it returns. */
  apply(payload: string | Uint8Array, opts: { persist?: boolean } = {}): ApplyResult {
    const size = typeof payload === 'string' ? payload.length : payload.byteLength;
    if (size === 0) {
      this.counters.cleared++;
      return { outcome: 'cleared', kept: this.active };
    }
    const parsed = parseProfile(payload);
    if (!parsed.ok) return this.reject('invalid', parsed.problems, versionOf(payload));
    const next = parsed.profile;
    const version = formatProfileVersion(next.version);
    if (next.deviceKind !== this.deviceKind) {
      return this.reject('wrong-device-kind', [`/deviceKind: profile is for '${next.deviceKind}', this device is a '${this.deviceKind}'`], version);
    }
    const previous = this.active;
    if (previous && previous.profile === next.profile) {
      const order = compareProfileVersions(next.version, previous.version);
      if (order < 0) return this.reject('downgrade', [`/version: ${version} is older than the applied ${formatProfileVersion(previous.version)}`], version);
      if (order === 0) {
        if (isDeepStrictEqual(next, previous)) {
          this.counters.unchanged++;
          return { outcome: 'unchanged', profile: previous };
        }
        return this.reject('version-reused', [`/version: ${version} is already applied with different contents; bump the version`], version);
      }
    }
    this.active = next;
    this.appliedAt = this.clock.now();
    this.rejectionOutstanding = false;
    this.counters.applied++;
    if (opts.persist !== false) this.persist(next);
    const changed = changedSections(previous, next);
    this.logger.info({ profile: next.profile, version, previous: previous ? formatProfileVersion(previous.version) : null, changed }, 'device profile applied');
    this.notify({ profile: next, previous, changed: new Set(changed) });
    return { outcome: 'applied', profile: next, changed };
  }

  /** Subscribes to applied profiles; returns the unsubscribe function. */
  onChange(listener: (change: ProfileChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): ProfileStatus {
    return {
      profile: this.active?.profile ?? null,
      profileVersion: this.active ? formatProfileVersion(this.active.version) : null,
      appliedAt: this.appliedAt,
      lastRejection: this.lastRejection,
    };
  }

  /** `truck-default@2`, for DeviceStatus.profile (≤ 64 chars). */
  label(): string | null {
    return this.active ? `${this.active.profile}@${formatProfileVersion(this.active.version)}`.slice(0, 64) : null;
  }

  /**
   * The last refusal in one line for DeviceStatus.profileRejected (≤ `maxLength`): reason, version, first problem.
   * Null once a later profile was applied, so a fixed push clears the alarm on the dashboard.
   */
  rejectionSummary(maxLength = 200): string | null {
    const r = this.lastRejection;
    if (!r || !this.rejectionOutstanding) return null;
    const more = r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : '';
    const text = `${r.reason}${r.version !== null ? ` v${r.version}` : ''}: ${r.problems[0] ?? ''}${more}`;
    return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
  }

  stats(): Record<string, number> {
    return { ...this.counters };
  }

  private reject(reason: ProfileRejectReason, problems: string[], version: string | null): ApplyResult {
    this.counters.rejected++;
    this.lastRejection = { reason, version, at: this.clock.now(), problems };
    this.rejectionOutstanding = true;
    this.logger.warn({ reason, version, problems, kept: this.label() }, 'device profile rejected; keeping the last good one');
    return { outcome: 'rejected', reason, problems, kept: this.active };
  }

  private persist(profile: DeviceProfile): void {
    if (!this.store) return;
    try {
      this.store.save(`${JSON.stringify(profile, null, 2)}\n`);
    } catch (err) {
      // The profile still runs; it just will not survive a reboot. Loud, not fatal.
      this.counters.storeErrors++;
      this.logger.error({ err }, 'cannot save the applied device profile');
    }
  }

  private notify(change: ProfileChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.counters.listenerErrors++;
        this.logger.error({ err, profile: change.profile.profile }, 'profile listener failed to reconfigure');
      }
    }
  }
}

function changedSections(previous: DeviceProfile | null, next: DeviceProfile): string[] {
  const keys = new Set([...Object.keys(previous ?? {}), ...Object.keys(next)]);
  const prev = (previous ?? {}) as Record<string, unknown>;
  const cur = next as Record<string, unknown>;
  return [...keys].filter((k) => !isDeepStrictEqual(prev[k], cur[k])).sort();
}

/** Best effort, for the rejection report: the version an invalid payload claimed, if it is readable at all. */
function versionOf(payload: string | Uint8Array): string | null {
  try {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    const v = (JSON.parse(text) as { version?: unknown }).version;
    return typeof v === 'number' || typeof v === 'string' ? String(v).slice(0, 64) : null;
  } catch {
    return null;
  }
}

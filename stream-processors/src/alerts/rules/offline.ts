import type { AlertChange } from '@fieldtrace/protocol';
import type { AlertState, DeviceSeen, TenantAlerts } from '../alert-state.js';
import type { CompiledRule, Describer, RuleOf } from '../compiled-rule.js';
import type { AlertDeviceInput } from '../alert-inputs.js';
import { conditionEnded, conditionHolds, deviceTrack, formatDuration } from '../alert-track.js';

type Rule = CompiledRule<RuleOf<'offline'>>;

export const offlineText: Describer<RuleOf<'offline'>> = {
  describe(_rule, t, name) {
    return t.alert?.status === 'cleared'
      ? `${name} was silent for ${formatDuration(t.value)}`
      : `${name} silent for ${formatDuration(t.value)} (allowed ${formatDuration(t.threshold)})`;
  },
};

/**
 * The device was heard from (at the input's receivedAt, else its event time): any offline alert about it clears,
 * carrying how long the silence lasted. Only news moves liveness: a message older than the last one heard proves
 * nothing about now. Takes the input rather than the time so that no timestamp is boxed per message.
 */
export function heardFrom(state: AlertState, tenant: TenantAlerts, seen: DeviceSeen, input: AlertDeviceInput, out: AlertChange[]): number {
  const at = input.receivedAt ?? input.ts;
  const deviceId = input.deviceId;
  const before = seen.seenAt;
  if (!(at > before)) return 0;
  seen.seenAt = at;
  // A restored alert about a device not heard from since the restart has no known start of silence.
  const silenceS = Number.isFinite(before) ? Math.round((at - before) / 1000) : Number.NaN;
  let n = 0;
  for (const rule of tenant.offline) {
    const t = rule.byDevice.get(deviceId);
    if (t) n += conditionEnded(state, tenant, rule, t, at, silenceS, out);
  }
  return n;
}

/**
 * Devices silent past maxSilenceS. Only devices heard from since this processor started (or seeded by the
 * adapter with their last-seen time) are known; a track is made only for a device that has gone silent.
 */
export function tickOffline(state: AlertState, tenant: TenantAlerts, rule: Rule, now: number, out: AlertChange[]): number {
  const maxMs = rule.rule.maxSilenceS * 1000;
  let n = 0;
  for (const [deviceId, seen] of tenant.devices) {
    const since = seen.seenAt + maxMs;
    if (now < since || !rule.appliesTo(seen.vehicleId)) continue;
    const t = deviceTrack(rule, deviceId, seen.vehicleId, true)!;
    if (t.alert !== null && t.alert.active) continue;
    t.value = rule.rule.maxSilenceS + rule.holdMs / 1000;
    t.threshold = rule.rule.maxSilenceS;
    n += conditionHolds(state, tenant, rule, t, since, now, out);
  }
  return n;
}

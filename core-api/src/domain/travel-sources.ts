import type { Clock } from '@fieldtrace/service-kit';
import { loadSpeedProfile, type Db } from '@fieldtrace/store';
import { learnedTravelTimes, osrmTable, SpeedProfile, valhallaMatrix, type TravelTimeSource } from '@fieldtrace/travel-time';

/** Where travel times come from: the fleet's learned speeds, or a routing engine's table service in front of them. */
export interface TravelSourceOptions {
  /** 'osrm' | 'valhalla' with ETA_MATRIX_URL; absent: the learned estimate only. */
  matrixKind?: 'osrm' | 'valhalla' | undefined;
  matrixUrl?: string | undefined;
  matrixTimeoutMs?: number | undefined;
  /** Prior speed and detour factor where the fleet has learned nothing (as the processors' ETA_DEFAULT_SPEED_MS / ETA_DETOUR_FACTOR). */
  priorSpeedMs: number;
  priorDetourFactor: number;
}

/** A tenant's travel-time source (on-demand ETAs, VROOM matrices); its learned profile is reloaded after this long. */
export type TravelSources = (tenantId: string) => Promise<TravelTimeSource>;

const PROFILE_TTL_MS = 60_000;

/**
 * Per tenant: the speeds the stream processors learned and saved (cached for a minute), and when configured a routing
 * engine that falls back to them for whatever it cannot answer.
 */
export function createTravelSources(db: Db, clock: Clock, opts: TravelSourceOptions): TravelSources {
  const profiles = new Map<string, { profile: SpeedProfile; loadedAt: number }>();
  return async (tenantId) => {
    let cached = profiles.get(tenantId);
    if (!cached || clock.now() - cached.loadedAt > PROFILE_TTL_MS) {
      const profile = new SpeedProfile({ priorSpeedMs: opts.priorSpeedMs, priorDetourFactor: opts.priorDetourFactor });
      profile.load(await loadSpeedProfile(db, tenantId));
      profiles.set(tenantId, (cached = { profile, loadedAt: clock.now() }));
    }
    const learned = learnedTravelTimes(cached.profile);
    if (!opts.matrixUrl || !opts.matrixKind) return learned;
    const service = opts.matrixKind === 'osrm' ? osrmTable : valhallaMatrix;
    return service({ baseUrl: opts.matrixUrl, timeoutMs: opts.matrixTimeoutMs, fallback: learned });
  };
}

import { haversineM, type LonLat } from '@fieldtrace/protocol';
import type { SpeedProfile } from './speed-profile.js';
import { lineSeconds, NO_NEAR_SPEED, type TravelEstimate } from './travel-time.js';

/**
 * Travel times from one place to many, for on-demand ETAs (API) and the route optimizer: the fleet's learned
 * estimate, or a routing engine's table service (OSRM, Valhalla) that falls back to it whenever the engine cannot
 * answer. Asynchronous, so never on the per-fix path: stepEta uses the learned estimate directly.
 */
export interface TravelTimeSource {
  /** One estimate per destination, in order, leaving `from` at `at` (Unix ms). */
  durations(from: LonLat, to: readonly LonLat[], at: number): Promise<TravelEstimate[]>;
}

/** Great circle × the tenant's learned detour factor, timed through its learned cell speeds. */
export function learnedTravelTimes(profile: SpeedProfile): TravelTimeSource {
  return {
    durations(from, to, at) {
      const detour = profile.detourFactor();
      return Promise.resolve(
        to.map(([lon, lat]) => {
          const straightM = haversineM(from[1], from[0], lat, lon);
          return {
            seconds: lineSeconds(profile, from[1], from[0], lat, lon, straightM, detour, at, NO_NEAR_SPEED),
            distanceM: straightM * detour,
            method: 'great-circle' as const,
          };
        }),
      );
    },
  };
}

export interface MatrixServiceOptions {
  /** Where the engine listens, e.g. http://osrm:5000 or http://valhalla:8002 (ETA_MATRIX_URL). */
  baseUrl: string;
  /** OSRM profile in the path (default 'driving'), or Valhalla costing (default 'auto'). */
  profile?: string;
  /** Give up on a request after this, ms (ETA_MATRIX_TIMEOUT_MS; default 2000). */
  timeoutMs?: number;
  /** Destinations per request; OSRM's osrm-routed allows 100 locations per table by default (--max-table-size). */
  maxDestinations?: number;
  /** Answers what the engine does not: unreachable, slow, failing, or no route found for a pair. */
  fallback: TravelTimeSource;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface MatrixServiceStats {
  requests: number;
  /** Requests that failed as a whole (network, timeout, HTTP or engine error, malformed answer). */
  failures: number;
  /** Destinations answered by the fallback. */
  fallbacks: number;
  lastError: string | null;
}

export interface MatrixService extends TravelTimeSource {
  readonly stats: MatrixServiceStats;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_DESTINATIONS = 99;

/** One row of an engine's answer: seconds and metres per destination, null where it found no route. */
interface MatrixRow {
  seconds: Array<number | null>;
  metres: Array<number | null>;
}

type RowRequest = (from: LonLat, to: readonly LonLat[], signal: AbortSignal, fetchImpl: typeof fetch) => Promise<MatrixRow>;

/**
 * OSRM's table service, one source to many destinations:
 * `GET /table/v1/{profile}/{lon,lat;...}?sources=0&destinations=1;...&annotations=duration,distance`, answered by
 * `{ code: 'Ok', durations: [[s, ...]], distances: [[m, ...]] }` with null for unroutable pairs.
 */
export function osrmTable(opts: MatrixServiceOptions): MatrixService {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const profile = encodeURIComponent(opts.profile ?? 'driving');
  return matrixService(opts, async (from, to, signal, fetchImpl) => {
    let coords = lonLat(from);
    let destinations = '';
    for (let i = 0; i < to.length; i++) {
      coords += ';' + lonLat(to[i]!);
      destinations += (i === 0 ? '' : ';') + (i + 1);
    }
    const url = `${base}/table/v1/${profile}/${coords}?sources=0&destinations=${destinations}&annotations=duration,distance`;
    const res = await fetchImpl(url, { signal });
    const body = (await readJson(res)) as { code?: unknown; message?: unknown; durations?: unknown; distances?: unknown };
    if (body.code !== 'Ok') throw new Error(`OSRM ${String(body.code)}: ${String(body.message ?? '')}`);
    const seconds = firstRow(body.durations, to.length);
    if (!seconds) throw new Error('OSRM answer without a durations row');
    return { seconds, metres: firstRow(body.distances, to.length) ?? seconds.map(() => null) };
  });
}

/**
 * Valhalla's matrix service: `POST /sources_to_targets` with `{ sources: [{lat, lon}], targets: [...], costing,
 * verbose: true }`, answered by `{ sources_to_targets: [[{ to_index, time, distance }, ...]] }`, time in seconds,
 * distance in kilometres, null where no route was found.
 */
export function valhallaMatrix(opts: MatrixServiceOptions): MatrixService {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/sources_to_targets`;
  const costing = opts.profile ?? 'auto';
  return matrixService(opts, async (from, to, signal, fetchImpl) => {
    const request = {
      sources: [{ lat: from[1], lon: from[0] }],
      targets: to.map(([lon, lat]) => ({ lat, lon })),
      costing,
      units: 'kilometers',
      verbose: true,
    };
    const headers = { 'content-type': 'application/json' };
    const res = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(request), signal });
    const body = (await readJson(res)) as { sources_to_targets?: unknown };
    const row = Array.isArray(body.sources_to_targets) ? (body.sources_to_targets[0] as unknown) : undefined;
    if (!Array.isArray(row)) throw new Error('Valhalla answer without a sources_to_targets row');
    const seconds: Array<number | null> = to.map(() => null);
    const metres: Array<number | null> = to.map(() => null);
    for (const cell of row as Array<{ to_index?: unknown; time?: unknown; distance?: unknown } | null>) {
      const j = cell?.to_index;
      if (typeof j !== 'number' || !(j >= 0 && j < to.length)) continue;
      if (typeof cell!.time === 'number') seconds[j] = cell!.time;
      if (typeof cell!.distance === 'number') metres[j] = cell!.distance * 1000;
    }
    return { seconds, metres };
  });
}

function matrixService(opts: MatrixServiceOptions, requestRow: RowRequest): MatrixService {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const chunk = Math.max(1, opts.maxDestinations ?? DEFAULT_MAX_DESTINATIONS);
  const stats: MatrixServiceStats = { requests: 0, failures: 0, fallbacks: 0, lastError: null };
  return {
    stats,
    async durations(from, to, at) {
      const fetchImpl = opts.fetch ?? fetch;
      const out: Array<TravelEstimate | null> = [];
      for (let i = 0; i < to.length; i += chunk) {
        const part = to.slice(i, i + chunk);
        stats.requests++;
        try {
          const row = await requestRow(from, part, AbortSignal.timeout(timeoutMs), fetchImpl);
          for (let j = 0; j < part.length; j++) {
            const s = row.seconds[j];
            const m = row.metres[j];
            if (typeof s !== 'number' || s < 0) {
              out.push(null);
              continue;
            }
            // An engine asked for distances gives them; without, the straight line is the honest lower bound.
            const distanceM = typeof m === 'number' && m >= 0 ? m : haversineM(from[1], from[0], part[j]![1], part[j]![0]);
            out.push({ seconds: s, distanceM, method: 'matrix' });
          }
        } catch (err) {
          stats.failures++;
          stats.lastError = (err as Error).message;
          for (let j = 0; j < part.length; j++) out.push(null);
        }
      }
      const missing: LonLat[] = [];
      for (let i = 0; i < out.length; i++) if (out[i] === null) missing.push(to[i]!);
      if (missing.length === 0) return out as TravelEstimate[];
      stats.fallbacks += missing.length;
      const filled = await opts.fallback.durations(from, missing, at);
      let k = 0;
      return out.map((e) => e ?? filled[k++]!);
    },
  };
}

function lonLat(p: LonLat): string {
  return `${p[0].toFixed(6)},${p[1].toFixed(6)}`;
}

async function readJson(res: Response): Promise<unknown> {
  // OSRM answers errors with a JSON body and a 4xx status; its message is more useful than the status.
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}: not JSON`);
  }
  if (!res.ok && (typeof body !== 'object' || body === null || !('code' in body))) throw new Error(`HTTP ${res.status}`);
  return body;
}

function firstRow(matrix: unknown, length: number): Array<number | null> | null {
  if (!Array.isArray(matrix) || !Array.isArray(matrix[0]) || matrix[0].length !== length) return null;
  return (matrix[0] as unknown[]).map((x) => (typeof x === 'number' ? x : null));
}

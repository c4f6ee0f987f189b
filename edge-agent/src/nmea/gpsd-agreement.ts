import type { Epoch } from './epoch.js';

/**
 * Test support: compares our epochs with gpsd's TPV reports from a regression `.chk` file (gpsd JSON, one
 * object per line, interleaved with the NMEA sentences gpsd accepted).
 *
 * gpsd may report several TPVs per cycle (one per sentence while it has not yet learned the cycle ender), each
 * more complete than the last. A "TPV epoch" is one distinct `time`; its reference is the LAST TPV carrying that
 * time, i.e. what gpsd knew once the whole cycle was in. TPVs without `time` (no date known yet) can't be matched
 * to an epoch and are not counted.
 */

export interface GpsdTpv {
  mode: number;
  time: string;
  lat?: number;
  lon?: number;
  alt?: number;
  altMSL?: number;
  speed?: number;
  track?: number;
}

/** hhmmss of a timestamped sentence gpsd echoed (RMC, GGA, GNS, GST, ZDA field 1; GLL field 5). */
function echoedTimeOfDay(line: string): string | undefined {
  const fields = line.split(',');
  const type = fields[0]?.slice(3);
  const field = type === 'GLL' ? fields[5] : ['RMC', 'GGA', 'GNS', 'GST', 'ZDA'].includes(type ?? '') ? fields[1] : undefined;
  return field === undefined || field.length < 6 ? undefined : field.slice(0, 6);
}

export function readTpvEpochs(chk: string): GpsdTpv[] {
  const byTime = new Map<string, GpsdTpv>();
  /** Times whose cycle is over: a sentence with another timestamp came after them. */
  const closed = new Set<string>();
  let open: string | undefined;
  for (const line of chk.split('\n')) {
    if (line.startsWith('$')) {
      const hhmmss = echoedTimeOfDay(line);
      // gpsd keeps re-reporting the last good time when a new timestamp is unusable (cold-boot garbage dates);
      // those later TPVs belong to no cycle of that time, so the cycle is closed at the next timestamp.
      if (open !== undefined && hhmmss !== undefined && hhmmss !== open.slice(11, 19).replaceAll(':', '')) {
        closed.add(open);
        open = undefined;
      }
      continue;
    }
    if (!line.startsWith('{"class":"TPV"')) continue;
    const tpv = JSON.parse(line) as Partial<GpsdTpv>;
    if (typeof tpv.time !== 'string' || typeof tpv.mode !== 'number' || closed.has(tpv.time)) continue;
    open = tpv.time;
    byTime.delete(tpv.time);
    byTime.set(tpv.time, tpv as GpsdTpv);
  }
  return [...byTime.values()];
}

/** The accepted sentences gpsd echoed (`$...` lines), to check our framer keeps and drops the same ones. */
export function readEchoedSentences(chk: string): string[] {
  return chk.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.startsWith('$'));
}

export type Field = 'time' | 'mode' | 'lat' | 'lon' | 'alt' | 'speed' | 'track';

export interface Agreement {
  epochs: number;
  agreed: number;
  /** Disagreeing epochs, by the first field that differs. */
  byField: Record<Field, number>;
  examples: string[];
}

const MODE_NUMBER = { none: 1, '2d': 2, '3d': 3 } as const;

function near(a: number | undefined, b: number | undefined, tolerance: number): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Math.abs(a - b) <= tolerance;
}

/** The first field where our epoch disagrees with gpsd's TPV, or undefined if they agree. */
export function firstDifference(tpv: GpsdTpv, epoch: Epoch | undefined): Field | undefined {
  if (epoch === undefined) return tpv.mode >= 2 ? 'time' : undefined;
  const ours = MODE_NUMBER[epoch.mode];
  // gpsd's mode 0 ("not seen") and 1 ("no fix") both mean no position.
  if (Math.max(tpv.mode, 1) !== ours) return 'mode';
  if (ours === 1) return undefined;
  if (!near(tpv.lat, epoch.lat, 1e-6)) return 'lat';
  if (!near(tpv.lon, epoch.lon, 1e-6)) return 'lon';
  if (!near(tpv.altMSL ?? tpv.alt, epoch.altMsl, 0.001)) return 'alt';
  if (!near(tpv.speed, epoch.speedMps, 0.001)) return 'speed';
  if (!near(tpv.track, epoch.trackDeg, 0.0001)) return 'track';
  return undefined;
}

export function compareWithGpsd(tpvs: readonly GpsdTpv[], epochs: readonly Epoch[]): Agreement {
  const byTime = new Map<number, Epoch>();
  for (const epoch of epochs) if (epoch.time !== undefined) byTime.set(epoch.time, epoch);
  const result: Agreement = {
    epochs: tpvs.length,
    agreed: 0,
    byField: { time: 0, mode: 0, lat: 0, lon: 0, alt: 0, speed: 0, track: 0 },
    examples: [],
  };
  for (const tpv of tpvs) {
    const epoch = byTime.get(Date.parse(tpv.time));
    const field = firstDifference(tpv, epoch);
    if (field === undefined) {
      result.agreed++;
      continue;
    }
    result.byField[field]++;
    if (result.examples.length < 5) {
      result.examples.push(`${field}: gpsd ${JSON.stringify(tpv)} ours ${JSON.stringify(epoch)}`);
    }
  }
  return result;
}

import { haversineM } from '@fieldtrace/protocol';
import type { CalendarDate } from './fields.js';
import { utcMs } from './fields.js';
import { EpochDraft, type Epoch } from './epoch.js';
import type { NmeaSentence } from './sentences.js';

/**
 * Groups sentences into one `Epoch` per receiver cycle, the way gpsd groups them into a TPV report:
 * - a timestamped sentence whose time differs by 10 ms or more from the open cycle's time starts a new cycle,
 *   closing the previous one (gpsd compares `0.01 < |Δt|` on floating-point hhmmss.ss values, which in practice
 *   treats a 10 ms step as a change: sl869 steps from .990 to .000);
 * - a cycle also closes early on its "cycle ender": the sentence that was last in the two preceding cycles
 *   (gpsd learns the last *timestamped* sentence; we also accept the last GSV/GSA part, so the fix carries the
 *   GSA's 2D/3D mode). A sentence type that repeats within a cycle (one GSA per constellation) can't be an ender.
 * Untimestamped sentences (VTG, GSA, GSV) belong to the open cycle, as in gpsd.
 */

/** gpsd starts a cycle when the time moves by more than 0.01 s; with millisecond times, 10 ms counts as a move. */
const SAME_TIME_TOLERANCE_MS = 10;
const DAY_MS = 86_400_000;
/** Longest gap over which a speed is derived from two positions; beyond it the path between them is unknown. */
const MAX_DERIVATION_GAP_MS = 5_000;

export interface AssemblerCounts {
  epochs: number;
  /** Epochs closed because their learned cycle ender arrived (the rest closed on a time change or flush). */
  closedByEnder: number;
  /** Epochs without a date (no RMC/ZDA yet): they have no `time`. */
  undated: number;
  /** Sentences that arrived for a cycle already reported (e.g. after a wrongly learned ender); dropped. */
  late: number;
}

function cycleKey(s: NmeaSentence): string | undefined {
  if (s.type === 'GSV') {
    // Only the last part of a GSV series can end a cycle.
    return s.messageNumber !== undefined && s.messageNumber === s.messages ? `${s.talker}GSV` : undefined;
  }
  return s.talker + s.type;
}

/** The time that places a sentence in a cycle. GST's time names the fix it describes, so (as in gpsd) it never starts one. */
function sentenceTime(s: NmeaSentence): number | undefined {
  return 'timeMs' in s && s.type !== 'GST' ? s.timeMs : undefined;
}

export class EpochAssembler {
  readonly #emit: (epoch: Epoch) => void;
  #draft = new EpochDraft('none');
  /** How often each sentence key occurred in the open cycle: a key seen twice can't be the ender. */
  #keysInDraft = new Map<string, number>();
  #lastKey: string | undefined;
  #endersSeen: string[] = [];
  #ender: string | undefined;
  #date: CalendarDate | undefined;
  /** Time of day of the last epoch that had a date, to detect midnight. */
  #lastTimeOfDay: number | undefined;
  #dateFromThisCycle = false;
  #lastReportedTime: number | undefined;
  /** Last epoch with a position and a date, for deriving speed when a cycle reports none. */
  #lastPositioned: Epoch | undefined;
  readonly #counts: AssemblerCounts = { epochs: 0, closedByEnder: 0, undated: 0, late: 0 };

  constructor(emit: (epoch: Epoch) => void) {
    this.#emit = emit;
  }

  counts(): AssemblerCounts {
    return { ...this.#counts };
  }

  /** The learned cycle ender (talker + type), if any. */
  cycleEnder(): string | undefined {
    return this.#ender;
  }

  push(s: NmeaSentence): void {
    const time = sentenceTime(s);
    if (time !== undefined) {
      const open = this.#draft.timeOfDayMs;
      if (open !== undefined && Math.abs(time - open) >= SAME_TIME_TOLERANCE_MS) {
        this.#close(false);
      } else if (open === undefined && this.#lastReportedTime !== undefined &&
        Math.abs(time - this.#lastReportedTime) < SAME_TIME_TOLERANCE_MS) {
        this.#counts.late++;
        return;
      }
      this.#draft.timeOfDayMs ??= time;
    }
    if ((s.type === 'RMC' || s.type === 'ZDA') && s.date !== undefined) {
      this.#date = s.date;
      this.#dateFromThisCycle = true;
    }
    this.#draft.merge(s);
    const key = cycleKey(s);
    if (key === undefined) return;
    const seen = (this.#keysInDraft.get(key) ?? 0) + 1;
    this.#keysInDraft.set(key, seen);
    this.#lastKey = key;
    if (key === this.#ender && seen === 1 && this.#draft.timeOfDayMs !== undefined) this.#close(true);
  }

  /** Reports the open cycle, if it has a time (end of input, or the receiver went quiet). */
  flush(): void {
    if (this.#draft.timeOfDayMs !== undefined) this.#close(false);
  }

  #close(byEnder: boolean): void {
    const draft = this.#draft;
    const timeOfDayMs = draft.timeOfDayMs;
    if (!byEnder) this.#learnEnder();
    this.#draft = new EpochDraft(draft.runningMode);
    this.#keysInDraft = new Map();
    this.#lastKey = undefined;
    if (timeOfDayMs === undefined) return;
    const time = this.#resolveTime(timeOfDayMs);
    this.#dateFromThisCycle = false;
    this.#lastReportedTime = timeOfDayMs;
    const mode = draft.mode();
    const quality = draft.quality(mode);
    const hdop = draft.hdop ?? draft.gsaHdop;
    const epoch: Epoch = { timeOfDayMs, mode, quality, sentences: draft.sentences };
    if (time !== undefined) epoch.time = time;
    if (mode !== 'none') {
      epoch.lat = draft.lat;
      epoch.lon = draft.lon;
      if (draft.altMsl !== undefined) epoch.altMsl = draft.altMsl;
      if (draft.speedMps !== undefined) epoch.speedMps = draft.speedMps;
      if (draft.trackDeg !== undefined) epoch.trackDeg = draft.trackDeg;
      const accuracy = draft.accuracy(quality, hdop);
      if (accuracy !== undefined) epoch.accuracyM = accuracy;
    }
    this.#deriveSpeed(epoch);
    const satellites = draft.satellites ?? (draft.gsaUsed > 0 ? draft.gsaUsed : undefined);
    if (satellites !== undefined) epoch.satellites = satellites;
    if (hdop !== undefined) epoch.hdop = hdop;
    this.#counts.epochs++;
    if (byEnder) this.#counts.closedByEnder++;
    if (time === undefined) this.#counts.undated++;
    this.#emit(epoch);
  }

  /**
   * A cycle with a position but no RMC/VTG speed (GLL or GGA only) gets the speed implied by the distance from the
   * previous fix, as gpsd reports it. Course is not derived: over a metre or less it is noise.
   */
  #deriveSpeed(epoch: Epoch): void {
    if (epoch.lat === undefined || epoch.lon === undefined || epoch.time === undefined) return;
    const previous = this.#lastPositioned;
    this.#lastPositioned = epoch;
    if (epoch.speedMps !== undefined || previous?.lat === undefined || previous.lon === undefined) return;
    const gapMs = epoch.time - (previous.time ?? epoch.time);
    if (gapMs <= 0 || gapMs > MAX_DERIVATION_GAP_MS) return;
    epoch.speedMps = haversineM(previous.lat, previous.lon, epoch.lat, epoch.lon) / (gapMs / 1000);
    epoch.speedDerived = true;
  }

  #learnEnder(): void {
    const last = this.#lastKey !== undefined && this.#keysInDraft.get(this.#lastKey) === 1 ? this.#lastKey : undefined;
    this.#endersSeen.push(last ?? '');
    if (this.#endersSeen.length > 2) this.#endersSeen.shift();
    const [a, b] = this.#endersSeen;
    // Two cycles in a row ending on the same sentence: trust it. Anything else: fall back to time changes.
    this.#ender = a !== undefined && a !== '' && a === b ? a : undefined;
  }

  /** Date + time of day; GGA/GLL-only cycles after midnight roll the last known date forward, as gpsd does. */
  #resolveTime(timeOfDayMs: number): number | undefined {
    if (this.#date === undefined) return undefined;
    let time = utcMs(this.#date, timeOfDayMs);
    if (!this.#dateFromThisCycle && this.#lastTimeOfDay !== undefined && timeOfDayMs < this.#lastTimeOfDay - DAY_MS / 2) {
      time += DAY_MS;
      const rolled = new Date(time);
      this.#date = { year: rolled.getUTCFullYear(), month: rolled.getUTCMonth() + 1, day: rolled.getUTCDate() };
    }
    this.#lastTimeOfDay = timeOfDayMs;
    return time;
  }
}

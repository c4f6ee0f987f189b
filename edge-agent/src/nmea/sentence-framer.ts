/**
 * Streaming NMEA 0183 sentence framer: bytes (or text) in, checksum-valid sentences out.
 *
 * The rules follow gpsd's packet lexer, because gpsd's regression output is our ground truth:
 * - a sentence starts at `$` and ends at CR or LF; anything else between sentences is garbage;
 * - a `$` inside a sentence abandons the partial one (a receiver restarted or two streams collided,
 *   e.g. `$GPGGA,030130$GPGLL,...*41` keeps the GLL);
 * - any control byte other than CR/LF (NUL from a cold boot, for instance) abandons the partial sentence;
 * - the sentence must end in `*hh`, the XOR of every character between `$` and `*` (NMEA 0183 §5.2.1).
 *   gpsd drops sentences without a checksum (its `hp58534a` capture yields no output at all), so by
 *   default we do too; `requireChecksum: false` accepts them for receivers that never send one.
 */

export type FramerRejectReason = 'bad-checksum' | 'no-checksum' | 'too-long' | 'truncated' | 'garbage';

export const FRAMER_REJECT_REASONS: readonly FramerRejectReason[] = [
  'bad-checksum',
  'no-checksum',
  'too-long',
  'truncated',
  'garbage',
];

export interface FramerOptions {
  /** Longest sentence accepted, `$` to checksum inclusive. NMEA says 82; real receivers exceed it (PMTKCHN: 203). */
  maxLength?: number;
  requireChecksum?: boolean;
  /**
   * Skip lines starting with `#` without counting them: capture files (gpsd's regression logs) annotate the data
   * that way. A serial port never sends them, so leave this off for live receivers.
   */
  skipCommentLines?: boolean;
}

export interface FramerCounts {
  /** Sentences handed out. */
  sentences: number;
  rejects: Record<FramerRejectReason, number>;
}

const DOLLAR = 0x24;
const STAR = 0x2a;
const CR = 0x0d;
const LF = 0x0a;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

function isPrintable(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

export class SentenceFramer {
  readonly #maxLength: number;
  readonly #requireChecksum: boolean;
  readonly #skipCommentLines: boolean;
  #atLineStart = true;
  #inComment = false;
  /** Receives the sentence as framed, `$` through checksum, without the line end. */
  readonly #onSentence: (sentence: string) => void;
  /** Characters of the sentence being framed, starting with `$`; empty when between sentences. */
  #current = '';
  #inSentence = false;
  /** True while skipping a run of non-sentence bytes, so one run counts as one garbage reject. */
  #inGarbage = false;
  #decoder = new TextDecoder('latin1');
  readonly #counts: FramerCounts = {
    sentences: 0,
    rejects: { 'bad-checksum': 0, 'no-checksum': 0, 'too-long': 0, truncated: 0, garbage: 0 },
  };

  constructor(onSentence: (sentence: string) => void, options: FramerOptions = {}) {
    this.#onSentence = onSentence;
    this.#maxLength = options.maxLength ?? 256;
    this.#requireChecksum = options.requireChecksum ?? true;
    this.#skipCommentLines = options.skipCommentLines ?? false;
  }

  counts(): FramerCounts {
    return { sentences: this.#counts.sentences, rejects: { ...this.#counts.rejects } };
  }

  /** Feeds the next chunk. Chunks may split or glue sentences anywhere. Never throws on content. */
  push(chunk: string | Uint8Array): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    let runStart = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (this.#inComment) {
        if (code === CR || code === LF) {
          this.#inComment = false;
          this.#atLineStart = true;
        }
        continue;
      }
      if (code === DOLLAR) {
        if (this.#inSentence) {
          this.#current += text.slice(runStart, i);
          this.#reject('truncated');
        }
        this.#inGarbage = false;
        this.#atLineStart = false;
        this.#inSentence = true;
        this.#current = '';
        runStart = i;
        continue;
      }
      if (!this.#inSentence) {
        this.#between(code);
        continue;
      }
      if (code === CR || code === LF) {
        this.#current += text.slice(runStart, i);
        this.#inSentence = false;
        this.#atLineStart = true;
        this.#finish(this.#current);
        this.#current = '';
        continue;
      }
      if (!isPrintable(code)) {
        this.#reject('truncated');
        this.#inSentence = false;
        this.#current = '';
        this.#inGarbage = true;
        continue;
      }
      if (this.#current.length + (i - runStart) >= this.#maxLength) {
        this.#reject('too-long');
        this.#inSentence = false;
        this.#current = '';
        this.#inGarbage = true;
      }
    }
    if (this.#inSentence) this.#current += text.slice(runStart);
  }

  /** End of input: a sentence still open has no line end and is dropped as truncated (gpsd does the same). */
  end(): void {
    if (this.#inSentence) this.#reject('truncated');
    this.#inSentence = false;
    this.#current = '';
    this.#inGarbage = false;
  }

  #between(code: number): void {
    const lineEnd = code === CR || code === LF;
    if (this.#skipCommentLines && this.#atLineStart && code === 0x23 /* # */) {
      this.#inComment = true;
    } else {
      this.#skipGarbage(code);
    }
    this.#atLineStart = lineEnd;
  }

  #skipGarbage(code: number): void {
    // A garbage run lasts to the end of its line; spaces and NUL padding alone never start one.
    if (code === CR || code === LF) {
      this.#inGarbage = false;
      return;
    }
    if (code === 0x20 || code === 0x00) return;
    if (!this.#inGarbage) {
      this.#inGarbage = true;
      this.#counts.rejects.garbage++;
    }
  }

  #reject(reason: FramerRejectReason): void {
    this.#counts.rejects[reason]++;
  }

  #finish(sentence: string): void {
    if (sentence.length <= 1) {
      this.#reject('truncated');
      return;
    }
    const star = sentence.lastIndexOf('*');
    if (star < 0 || sentence.length !== star + 3) {
      if (star >= 0 || this.#requireChecksum) {
        this.#reject(star >= 0 ? 'bad-checksum' : 'no-checksum');
        return;
      }
      this.#accept(sentence);
      return;
    }
    const high = hexValue(sentence.charCodeAt(star + 1));
    const low = hexValue(sentence.charCodeAt(star + 2));
    let sum = 0;
    for (let i = 1; i < star; i++) sum ^= sentence.charCodeAt(i);
    if (high < 0 || low < 0 || sum !== high * 16 + low) {
      this.#reject('bad-checksum');
      return;
    }
    this.#accept(sentence);
  }

  #accept(body: string): void {
    this.#counts.sentences++;
    this.#onSentence(body);
  }
}

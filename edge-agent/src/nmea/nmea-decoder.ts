import { EpochAssembler } from './epoch-assembler.js';
import type { Epoch } from './epoch.js';
import { FRAMER_REJECT_REASONS, SentenceFramer, type FramerOptions } from './sentence-framer.js';
import { parseSentence, type NmeaSentence, type ParseRejectReason } from './sentences.js';

export interface DecoderHooks {
  onEpoch: (epoch: Epoch) => void;
  /** Every sentence that passed the framer (checksum OK), decoded or not. */
  onSentence?: (raw: string, decoded: NmeaSentence | undefined) => void;
}

const PARSE_REJECT_REASONS: readonly ParseRejectReason[] = ['unknown-type', 'proprietary', 'malformed'];

/** Framer → sentence parser → epoch assembler, with one flat set of counters. Never throws on input. */
export class NmeaDecoder {
  readonly #framer: SentenceFramer;
  readonly #assembler: EpochAssembler;
  readonly #hooks: DecoderHooks;
  #decoded = 0;
  readonly #parseRejects: Record<ParseRejectReason, number> = { 'unknown-type': 0, proprietary: 0, malformed: 0 };

  constructor(hooks: DecoderHooks, options: FramerOptions = {}) {
    this.#hooks = hooks;
    this.#assembler = new EpochAssembler(hooks.onEpoch);
    this.#framer = new SentenceFramer((raw) => this.#onSentence(raw), options);
  }

  push(chunk: string | Uint8Array): void {
    this.#framer.push(chunk);
  }

  /** End of input: drops a partial sentence and reports the open cycle. */
  end(): void {
    this.#framer.end();
    this.#assembler.flush();
  }

  /** Reports the open cycle without ending the input (the receiver went quiet). */
  flush(): void {
    this.#assembler.flush();
  }

  stats(): Record<string, number> {
    const framer = this.#framer.counts();
    const assembler = this.#assembler.counts();
    const stats: Record<string, number> = {
      sentences: framer.sentences,
      decoded: this.#decoded,
      epochs: assembler.epochs,
      epochsClosedByEnder: assembler.closedByEnder,
      epochsUndated: assembler.undated,
      lateSentences: assembler.late,
    };
    for (const reason of FRAMER_REJECT_REASONS) stats[`reject.${reason}`] = framer.rejects[reason];
    for (const reason of PARSE_REJECT_REASONS) stats[`reject.${reason}`] = this.#parseRejects[reason];
    return stats;
  }

  #onSentence(raw: string): void {
    const result = parseSentence(raw);
    if (!result.ok) {
      this.#parseRejects[result.reason]++;
      this.#hooks.onSentence?.(raw, undefined);
      return;
    }
    this.#decoded++;
    this.#hooks.onSentence?.(raw, result.sentence);
    this.#assembler.push(result.sentence);
  }
}

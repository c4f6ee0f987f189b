import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export function createLogger(name: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ name, level, base: { svc: name } });
}

/** For tests and benchmarks: a logger that drops everything. */
export const silentLogger: Logger = pino({ level: 'silent' });

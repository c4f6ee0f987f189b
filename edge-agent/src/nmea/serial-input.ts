import { SerialPort } from 'serialport';
import type { Logger } from '@fieldtrace/service-kit';

export interface SerialOptions {
  /** Device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/... */
  path: string;
  /** NMEA 0183 is 4800 baud by the standard; most modern receivers default to 9600 or 38400. */
  baudRate: number;
}

/** The part of a serial port we use; `serialport`'s SerialPort satisfies it. */
export interface SerialLike {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(callback?: (error: Error | null) => void): void;
  readonly isOpen: boolean;
}

export type SerialOpener = (options: SerialOptions) => Promise<SerialLike>;

export const openSerialPort: SerialOpener = (options) =>
  new Promise((resolve, reject) => {
    const port = new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
    port.open((error) => (error ? reject(error) : resolve(port)));
  });

export interface SerialInputHooks {
  logger: Logger;
  open: SerialOpener | undefined;
  onData: (chunk: Buffer) => void;
  /** Called once after `quietMs` without data (the receiver paused, or the cable was pulled). */
  onQuiet: () => void;
  quietMs: number;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Reads a serial port until closed. The first open must succeed (a wrong path is a configuration error the
 * operator must see at start-up); after that, a port that fails or disappears (USB receiver unplugged) is reopened
 * with capped exponential backoff.
 */
export async function openSerialInput(options: SerialOptions, hooks: SerialInputHooks): Promise<{ close(): Promise<void> }> {
  const open = hooks.open ?? openSerialPort;
  let closing = false;
  let port: SerialLike = await open(options);
  let quietTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MIN_MS;

  const armQuietTimer = () => {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(hooks.onQuiet, hooks.quietMs);
  };

  const attach = (p: SerialLike) => {
    p.on('data', (chunk: Buffer) => {
      retryMs = RETRY_MIN_MS;
      hooks.onData(chunk);
      armQuietTimer();
    });
    p.on('error', (error: Error) => hooks.logger.warn({ err: error, path: options.path }, 'serial port error'));
    p.on('close', () => {
      if (closing) return;
      hooks.logger.warn({ path: options.path, retryMs }, 'serial port closed; reopening');
      scheduleReopen();
    });
  };

  const scheduleReopen = () => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      open(options).then(
        (reopened) => {
          if (closing) {
            reopened.close();
            return;
          }
          port = reopened;
          attach(port);
          hooks.logger.info({ path: options.path }, 'serial port reopened');
        },
        (error: unknown) => {
          hooks.logger.warn({ err: error, path: options.path }, 'serial port reopen failed');
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
          if (!closing) scheduleReopen();
        },
      );
    }, retryMs);
  };

  attach(port);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        clearTimeout(quietTimer);
        clearTimeout(retryTimer);
        if (!port.isOpen) {
          resolve();
          return;
        }
        port.close(() => resolve());
      }),
  };
}

import type { Logger } from 'pino';

export interface Closable {
  name: string;
  close(): Promise<void>;
}

/**
 * Closes components in reverse start order on SIGINT/SIGTERM (so the broker stops accepting before the store
 * flushes its last batch), with a deadline after which the process exits anyway. A second signal exits at once.
 */
export function closeOnSignals(logger: Logger, components: Closable[], deadlineMs = 10_000): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130);
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    closeAll(logger, components).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export async function closeAll(logger: Logger, components: Closable[]): Promise<void> {
  let failed = false;
  for (const c of [...components].reverse()) {
    try {
      await c.close();
      logger.debug({ component: c.name }, 'closed');
    } catch (err) {
      failed = true;
      logger.error({ err, component: c.name }, 'close failed');
    }
  }
  if (failed) throw new Error('one or more components failed to close');
}

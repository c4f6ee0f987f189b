import { closeOnSignals, createLogger, FieldtraceError, systemClock } from '@fieldtrace/service-kit';
import { buildPlatform } from './platform.js';

const logger = createLogger('fieldtrace', (process.env.LOG_LEVEL as 'info' | undefined) ?? 'info');

try {
  const platform = await buildPlatform(process.env, { logger, clock: systemClock });
  const endpoints = await platform.start();
  closeOnSignals(logger, [{ name: 'platform', close: () => platform.close() }]);
  logger.info(endpoints, 'platform ready');
  process.stdout.write(
    `\n  Fieldtrace is running.\n\n` +
      `  Dispatcher map:  ${endpoints.dashboardUrl}\n` +
      `  REST API:        ${endpoints.apiUrl}/docs   (operator key: ${endpoints.operatorKey})\n` +
      `  MQTT:            ${endpoints.mqttUrl}   (WebSocket: ${endpoints.mqttWsUrl})\n` +
      `  Metrics:         ${endpoints.metricsUrl}\n\n`,
  );
} catch (err) {
  // Configuration and port problems are the user's to fix: say what and how, without a stack trace.
  if (err instanceof FieldtraceError && err.operational === false && /^FT_(CONFIG_INVALID|PORT_IN_USE)$/.test(err.code)) {
    process.stderr.write(`\nFieldtrace could not start: ${err.message}\n\n`);
  } else {
    logger.fatal({ err }, 'Fieldtrace could not start');
  }
  process.exit(1);
}

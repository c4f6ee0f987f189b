import { closeOnSignals, createLocalBus, createLogger, createMqttBus, loadConfig, systemClock } from '@fieldtrace/service-kit';
import { openStore } from '@fieldtrace/store';
import { IngestConfig } from './config.js';
import { buildIngest } from './ingest.js';

const config = loadConfig(IngestConfig, process.env);
const logger = createLogger('ingest', config.LOG_LEVEL);
const db = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, retentionDays: config.RETENTION_DAYS }, logger);
// Standalone, the processors and the API live in other processes: positions go out over the broker.
const bus = config.MQTT_URL ? await createMqttBus(config.MQTT_URL, logger, { clientId: `${config.INGEST_CLIENT_ID}-bus` }) : createLocalBus(logger);
if (!config.MQTT_URL) logger.warn('no MQTT_URL: positions stay inside this process (use the platform launcher for all-in-one)');
const ingest = buildIngest(config, { db, bus, logger, clock: systemClock });
try {
  await ingest.start();
} catch (err) {
  logger.fatal({ err }, (err as Error).message);
  await db.close();
  process.exit(1);
}
closeOnSignals(logger, [
  { name: 'store', close: () => db.close() },
  { name: 'bus', close: () => bus.close() },
  { name: 'ingest', close: () => ingest.close() },
]);

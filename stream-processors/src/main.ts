import { closeOnSignals, createLocalBus, createLogger, createMqttBus, loadConfig, systemClock, type Bus } from '@fieldtrace/service-kit';
import { openStore } from '@fieldtrace/store';
import { ProcessorsConfigSchema } from './config.js';
import { buildProcessors } from './adapter.js';
import { inspectionWorkerFromConfig } from './inspection/from-config.js';

const config = loadConfig(ProcessorsConfigSchema, process.env);
const logger = createLogger('stream-processors', config.LOG_LEVEL);

let bus: Bus;
if (config.MQTT_URL) {
  bus = await createMqttBus(config.MQTT_URL, logger);
} else {
  // The in-process bus only reaches publishers in this process; alone, nothing will ever publish a position here.
  logger.warn(
    'MQTT_URL is not set: using an in-process bus, so this standalone process will receive no positions. ' +
      'Set MQTT_URL to the broker ingest publishes to, or run the processors inside the all-in-one platform process.',
  );
  bus = createLocalBus(logger);
}
const db = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }, logger);
const processors = buildProcessors(config, { db, bus, logger, clock: systemClock });
await processors.start();
const inspections = inspectionWorkerFromConfig(config, { db, bus, logger, clock: systemClock });
await inspections?.start();

// Closed in reverse: processors (final event flush) first, then the bus, then the store.
closeOnSignals(logger, [
  { name: 'store', close: () => db.close() },
  { name: 'bus', close: () => bus.close() },
  { name: 'processors', close: () => processors.close() },
  { name: 'inspections', close: async () => inspections?.close() },
]);

import {
  closeAll, closeOnSignals, createLocalBus, createLogger, createMqttBus, loadConfig, systemClock, type Closable,
} from '@fieldtrace/service-kit';
import { openStore } from '@fieldtrace/store';
import { CoreApiConfigSchema } from './config.js';
import { buildApi } from './app.js';

const config = loadConfig(CoreApiConfigSchema, process.env);
const logger = createLogger('core-api', config.LOG_LEVEL);
// Closed in reverse order of opening: the API stops before the bus and the store it uses.
const components: Closable[] = [];

try {
  const db = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }, logger);
  components.push({ name: 'store', close: () => db.close() });
  const bus = config.MQTT_URL ? await createMqttBus(config.MQTT_URL, logger) : createLocalBus(logger);
  components.push({ name: 'bus', close: () => bus.close() });
  const api = buildApi(config, { db, bus, logger, clock: systemClock });
  components.push({ name: 'http', close: () => api.close() });
  const url = await api.start();
  closeOnSignals(logger, components);
  logger.info({ url, docs: `${url}/docs`, dashboard: config.DASHBOARD_DIR ?? null }, 'core-api listening');
} catch (err) {
  logger.fatal({ err }, 'core-api failed to start');
  await closeAll(logger, components).catch(() => undefined);
  process.exit(1);
}

import { closeOnSignals, createLogger, loadConfig, systemClock } from '@fieldtrace/service-kit';
import { SimulatorConfig } from './config.js';
import { buildSimulator } from './simulator.js';

const config = loadConfig(SimulatorConfig, process.env);
const logger = createLogger('edge-agent', config.LOG_LEVEL);
const simulator = buildSimulator(config, { logger, clock: systemClock });
closeOnSignals(logger, [{ name: 'simulator', close: () => simulator.close() }]);
try {
  await simulator.start();
} catch (err) {
  logger.fatal({ err }, 'simulator failed to start');
  await simulator.close();
  process.exit(1);
}

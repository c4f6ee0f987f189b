import { closeOnSignals, createLogger, FieldtraceError, loadConfig, systemClock } from '@fieldtrace/service-kit';

// Each mode loads only its own modules: a device never pays for the simulator's road graph, nor the
// simulator for MAVLink's message tables (resident memory is a target on small edge computers).

// EDGE_MODE=device runs on a real truck or ground station; the default simulates a fleet.
try {
  if (process.env.EDGE_MODE === 'device') await (await import('./device/run-device.js')).runDevice(process.env);
  else await runSimulator();
} catch (err) {
  if (err instanceof FieldtraceError && err.code === 'FT_CONFIG_INVALID') process.stderr.write(`\nedge-agent could not start: ${err.message}\n\n`);
  else process.stderr.write(`\nedge-agent failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}

async function runSimulator(): Promise<void> {
  const { SimulatorConfig } = await import('./config.js');
  const { buildSimulator } = await import('./simulator.js');
  const config = loadConfig(SimulatorConfig, process.env);
  const logger = createLogger('edge-agent', config.LOG_LEVEL);
  const simulator = buildSimulator(config, { logger, clock: systemClock });
  closeOnSignals(logger, [{ name: 'simulator', close: () => simulator.close() }]);
  try {
    await simulator.start();
  } catch (err) {
    await simulator.close();
    throw err;
  }
}

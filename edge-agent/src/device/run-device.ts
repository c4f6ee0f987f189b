import { closeOnSignals, createLogger, loadConfig, systemClock } from '@fieldtrace/service-kit';
import { AgentConfig, buildAgent } from '../agent/index.js';
import { MavlinkConfig } from '../mavlink/config-schema.js';
import { InputsConfig } from './inputs-config.js';
import { buildSources } from './build-sources.js';

/**
 * EDGE_MODE=device: a real truck or ground station — inputs → durable queue → MQTT, following its remote profile.
 * A device reading an autopilot is a ground station unless DEVICE_KIND says otherwise, so the ground-station profile
 * pushed to it is not refused as meant for another kind of device.
 */
export async function runDevice(env: Record<string, string | undefined>): Promise<void> {
  const inputs = loadConfig(InputsConfig, env);
  const config = loadConfig(AgentConfig, { ...env, DEVICE_KIND: env['DEVICE_KIND'] || (inputs.MAVLINK_ENABLED ? 'ground-station' : 'truck') });
  const logger = createLogger('edge-agent', config.LOG_LEVEL);
  const sources = await buildSources(inputs, loadConfig(MavlinkConfig, env), { clock: systemClock, logger }, {
    tenantId: config.TENANT_ID, deviceId: config.DEVICE_ID, queueDir: config.QUEUE_DIR,
  });
  const agent = buildAgent(config, { logger, clock: systemClock, sources });
  closeOnSignals(logger, [{ name: 'agent', close: () => agent.close() }]);
  await agent.start();
  logger.info({ sources: sources.map((s) => s.name), queueDir: config.QUEUE_DIR, deviceKind: config.DEVICE_KIND, profile: agent.profile() }, 'edge agent running');
}

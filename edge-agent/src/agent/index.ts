export { buildAgent, type Agent, type AgentDeps, type AgentStats } from './build-agent.js';
export { AgentConfig } from './agent-config.js';
export { configSettings, profileSettings, type RuntimeSettings, type UplinkSettings, type QueueSettings } from './runtime-settings.js';

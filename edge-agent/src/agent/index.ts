export { buildAgent, type Agent, type AgentDeps, type AgentStats } from './build-agent.js';
export { AgentConfig } from './agent-config.js';

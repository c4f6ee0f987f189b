import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/**
 * What `fastify-plugin` does, without depending on it: a plugin marked `skip-override` is not encapsulated, so
 * the hooks, decorators and handlers it installs apply to the whole application (Fastify "Plugins" guide).
 * fastify-plugin is only a transitive dependency here, and importing undeclared packages breaks on a
 * different install layout.
 */
export function globalPlugin<O extends Record<string, unknown>>(
  name: string,
  fn: (app: FastifyInstance, opts: O) => Promise<void>,
): FastifyPluginAsync<O> {
  const plugin = fn as FastifyPluginAsync<O> & Record<symbol, unknown>;
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = name;
  return plugin;
}

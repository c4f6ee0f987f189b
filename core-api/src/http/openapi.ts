import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { globalPlugin } from './plugin.js';

/**
 * The OpenAPI 3 document is generated from the route schemas (@fastify/swagger registers an onRoute hook, so
 * this plugin must be registered before the routes). Served at `/openapi.json`, browsable at `/docs`.
 */
export const openApiPlugin = globalPlugin<{ version: string }>('fieldtrace-openapi', async (app, { version }) => {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Fieldtrace core API',
        version,
        description:
          'Fleet entities, telemetry queries and derived events. Authenticate with `Authorization: Bearer <key>` ' +
          '(or `x-api-key`). A platform operator key acting on a tenant names it in `x-tenant-id`. Errors are RFC 9457 ' +
          'problem bodies. Live feed: WebSocket `GET /v1/live?key=...`, frames are JSON arrays of LiveItem.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    // Shared schemas keep their $id as their component name (default would be def-0, def-1...).
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
});

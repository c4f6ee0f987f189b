import { Type, type Static } from '@sinclair/typebox';

/**
 * The all-in-one launcher's own settings. Every service also reads its own variables from the same environment
 * (see README's configuration table); these are the ones the launcher decides for them.
 */
export const PlatformConfig = Type.Object({
  /** Where PGlite keeps its files; the platform's data survives restarts. Ignored when DATABASE_URL is set. */
  DATA_DIR: Type.String({ default: '.data/pglite', minLength: 1 }),
  /** Tenant the simulated fleet belongs to. */
  TENANT_ID: Type.String({ default: 'demo', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  /** Simulated trucks; 0 runs the platform without a fleet (benchmarks bring their own devices). */
  SIM_TRUCKS: Type.Integer({ minimum: 0, maximum: 5000, default: 50 }),
  /** With a simulated fleet: give the demo tenant a drone roof inspection (synthetic pictures) to look at on the map. */
  DEMO_INSPECTION: Type.Boolean({ default: true }),
  LOG_LEVEL: Type.Union(
    [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
    { default: 'info' },
  ),
});
export type PlatformConfig = Static<typeof PlatformConfig>;

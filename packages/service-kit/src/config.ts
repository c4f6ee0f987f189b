import { Value } from '@sinclair/typebox/value';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TObject, Static } from '@sinclair/typebox';
import { ConfigInvalid } from './errors.js';

/**
 * Reads a service's configuration from environment variables named exactly as the schema's properties
 * (`HTTP_PORT`, `DATABASE_URL`, ...), converts strings to the declared types, applies defaults and validates
 * once. Every problem is listed in one error, then the result is frozen. Only `main.ts` calls this with
 * `process.env`; everything below receives the typed object.
 */
export function loadConfig<S extends TObject>(schema: S, env: Record<string, string | undefined>): Readonly<Static<S>> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  const check = TypeCompiler.Compile(schema);
  if (!check.Check(converted)) {
    const problems = [...check.Errors(converted)].map((e) => {
      const key = e.path.replace(/^\//, '');
      const given = env[key];
      return `${key}: ${e.message}${given === undefined || given === '' ? '' : ` (got ${JSON.stringify(given)})`}`;
    });
    throw ConfigInvalid([problems]);
  }
  return Object.freeze(converted as Static<S>);
}

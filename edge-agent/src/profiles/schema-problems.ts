import { Kind, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/** Fields that say which variant of a tagged union an object is. */
const DISCRIMINATORS = ['type', 'policy'] as const;

function literalOf(schema: TSchema): unknown {
  return schema[Kind] === 'Literal' ? (schema as { const?: unknown }).const : undefined;
}

function variants(schema: TSchema): TSchema[] {
  return schema[Kind] === 'Union' ? ((schema as { anyOf?: TSchema[] }).anyOf ?? []) : [];
}

/**
 * Every problem in `value`, as `path: message`. TypeBox reports a failed union as one opaque "Expected union value";
 * here a tagged union is explained through the variant its tag selects, and a union of literals lists the choices,
 * so an operator reading a rejected profile learns what to fix.
 */
export function schemaProblems(schema: TSchema, value: unknown, prefix = '', max = 50): string[] {
  const out: string[] = [];
  for (const error of Value.Errors(schema, value)) {
    for (const line of explain(error, prefix)) {
      if (out.length >= max) return out;
      if (!out.includes(line)) out.push(line);
    }
  }
  return out;
}

function explain(error: ValueError, prefix: string): string[] {
  const path = `${prefix}${error.path}` || '/';
  if (error.type !== ValueErrorType.Union) return [`${path}: ${error.message}`];
  const options = variants(error.schema);
  const literals = options.map(literalOf);
  if (literals.every((l) => l !== undefined)) {
    return [`${path}: expected one of ${literals.map((l) => JSON.stringify(l)).join(', ')}, got ${JSON.stringify(error.value)}`];
  }
  const value = error.value;
  if (typeof value === 'object' && value !== null) {
    for (const key of DISCRIMINATORS) {
      const tags = options.map((o) => {
        const prop = (o as { properties?: Record<string, TSchema> }).properties?.[key];
        return prop ? literalOf(prop) : undefined;
      });
      if (tags.some((t) => t === undefined)) continue;
      const tag = (value as Record<string, unknown>)[key];
      const chosen = options[tags.indexOf(tag)];
      if (chosen) return schemaProblems(chosen, value, path === '/' ? '' : path);
      return [`${path}/${key}: expected one of ${tags.map((t) => JSON.stringify(t)).join(', ')}, got ${JSON.stringify(tag)}`];
    }
  }
  const alternatives = options.map((o) => Value.Errors(o, value).First()?.message).filter((m) => m !== undefined);
  return [`${path}: matches none of the alternatives (${alternatives.join(' | ')})`];
}

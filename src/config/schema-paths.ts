import type { z } from 'zod';

/** `['teams', 'research', 'account']` → `teams.research.account`; `['regions', 1]` → `regions[1]`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** The parts of a zod schema's definition the walker reads: each is present only on the kinds that have it. */
interface SchemaDef {
  /** Object schemas: the schema of each key. */
  readonly shape?: Record<string, z.ZodType>;
  /** Wrappers (`.default()`, `.optional()`, `.prefault()`): the wrapped schema. */
  readonly innerType?: z.ZodType;
  /** Record schemas: the schema of each value. */
  readonly valueType?: z.ZodType;
  /** Array schemas: the schema of each element. */
  readonly element?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The schema inside the wrappers (`.default()`, `.optional()`, `.prefault()`) around `schema`. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let inner = defOf(current).innerType; inner !== undefined; inner = defOf(current).innerType) {
    current = inner;
  }
  return current;
}

/**
 * The keys an object schema allows at `path` (for "unknown key" messages), public keys only; none when `path`
 * leads to no object schema.
 */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current === undefined) return [];
    const def = defOf(current);
    let next: z.ZodType | undefined;
    if (def.shape !== undefined) next = def.shape[String(segment)];
    else if (def.valueType !== undefined) next = def.valueType;
    else if (def.element !== undefined) next = def.element;
    else return [];
    current = next === undefined ? undefined : unwrap(next);
  }
  const shape = current === undefined ? undefined : defOf(current).shape;
  return shape === undefined ? [] : Object.keys(shape).filter((key) => key !== '$schema');
}

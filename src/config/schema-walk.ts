/**
 * Reading the zod schema's structure: the keys an object section accepts and what kind of value a key holds.
 * Environment overrides use it to map `FLOODGATE__MILTER__MAXSESSIONS` to `milter.maxSessions`, and error messages to
 * suggest the key that was probably meant.
 */
import type { z } from "zod";

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType> };

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under defaults, optionals, nullables and pipes. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** The kind of value a schema holds once unwrapped: "object", "string", "number", "boolean", "array", "enum"… */
export function kindOf(schema: z.ZodType): string {
  return defOf(unwrap(schema)).type;
}

/** The keys of an object schema, or null when it is not an object. */
export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | null {
  const def = defOf(unwrap(schema));
  return def.type === "object" && def.shape ? def.shape : null;
}

/** The schema at a path of object keys, or null when a segment is not a key. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | null {
  let current: z.ZodType = root;
  for (const segment of path) {
    if (typeof segment === "number") {
      const def = defOf(unwrap(current)) as Def & { element?: z.ZodType };
      if (def.type !== "array" || !def.element) return null;
      current = def.element;
      continue;
    }
    const shape = shapeOf(current);
    const next = shape?.[String(segment)];
    if (!next) return null;
    current = next;
  }
  return current;
}

/** The known key closest to a mistyped one (edit distance at most 3, or a case-only difference), if any. */
export function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.min(3, Math.max(1, Math.floor(key.length / 3))) ? best : null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

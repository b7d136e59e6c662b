/**
 * Checks on untrusted JSON values, written without recursion so hostile input cannot blow the
 * stack.
 */

/** A JSON object: not null, not an array. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** Deepest nesting the API accepts in settings. */
export const MAX_DEPTH = 32;

/** True for a plain JSON object (what `JSON.parse` gives for `{...}`). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why Postgres' jsonb would refuse the string: NUL characters and lone surrogates. */
function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'strings must not contain NUL (\\u0000) characters';
  if (!text.isWellFormed()) return 'strings must not contain lone UTF-16 surrogates';
  return undefined;
}

/**
 * Why `value` cannot be stored as settings, or undefined when it can: nested at most `MAX_DEPTH`
 * deep, finite numbers only (`1e400` parses to Infinity, which JSON cannot carry back), and no
 * string or key that Postgres' jsonb refuses.
 */
export function jsonProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return 'numbers must be finite';
    if (typeof v === 'string') {
      const problem = stringProblem(v);
      if (problem) return problem;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(v)) {
      for (const child of v) stack.push([child, depth + 1]);
      continue;
    }
    for (const key of Object.keys(v)) {
      const problem = stringProblem(key);
      if (problem) return problem;
      stack.push([(v as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}

/** `JSON.rawJSON` (V8 11.4+, so every Deno 2 and the edge runtime), missing from TypeScript's lib. */
const rawJson = (JSON as unknown as { rawJSON?: (text: string) => JsonValue }).rawJSON;

/**
 * Parses JSON text keeping every number exactly as written: a number that a JavaScript double
 * would change (`12345678901234567890`, `1.10`) becomes a `JSON.rawJSON` value, which
 * `JSON.stringify` writes back verbatim. Use it for values that pass through to the database or
 * back to the client untouched.
 */
export function parseExactJson(text: string): JsonValue {
  if (!rawJson) return JSON.parse(text);
  return JSON.parse(text, function (_key, value, context?: { source?: string }) {
    if (typeof value !== 'number' || context?.source === undefined) return value;
    return String(value) === context.source ? value : rawJson(context.source);
  });
}

/** Checks on untrusted JSON values, written without recursion so hostile input cannot blow the stack. */

/** A JSON object: not null, not an array. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** Deepest nesting the API accepts in settings. */
export const MAX_DEPTH = 32;

/** True for a plain JSON object (what `JSON.parse` gives for `{...}`). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why `value` cannot be stored as settings, or undefined when it can: it must be nested at most
 * `MAX_DEPTH` deep and hold only finite numbers (`1e400` parses to Infinity, which JSON cannot
 * carry back).
 */
export function jsonProblem(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return 'numbers must be finite';
    if (typeof v !== 'object' || v === null) continue;
    if (depth > MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels`;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** Structural equality of two JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      isJsonObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

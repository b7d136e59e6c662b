/**
 * JSON Merge Patch (RFC 7396): objects merge recursively, `null` removes a key, anything else
 * (arrays included) replaces. Keys such as `__proto__` are treated as plain data: results are
 * built with own properties only, so a patch can never reach `Object.prototype`.
 */
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from '../../supabase/functions/_shared/json.ts';

/** Applies `patch` to `target` and returns the result; neither argument is modified. */
export function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target)) {
    for (const key of Object.keys(target)) define(result, key, target[key]);
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else {
      const current = Object.hasOwn(result, key) ? result[key] : undefined;
      define(result, key, mergePatch(current, value));
    }
  }
  return result;
}

function define(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** JSON values, and the RFC 7396 merge patch of a settings object. */

/** Any JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | JsonObject;

/** A JSON object: what a module's settings are when no settings type is known for it. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A JSON merge patch (RFC 7396) of a value of type `T`: for an object, any of its keys, each
 * either a patch of that key's value (objects merge recursively) or `null` to remove the key;
 * anything else (strings, numbers, arrays) is replaced whole.
 */
export type MergePatch<T> = T extends readonly unknown[] ? T
  : T extends object ? { [K in keyof T]?: MergePatch<T[K]> | null }
  : T;

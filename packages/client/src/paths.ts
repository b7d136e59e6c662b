/**
 * Request paths under the function (`/modules…`): path segments percent-encoded, query strings
 * built without `URL`/`URLSearchParams` (React Native's are incomplete without a polyfill).
 */

/**
 * A path with each interpolated value encoded as one segment: ``path`/tenants/${id}` `` cannot
 * be steered to another route by an id holding `/`, `?` or `..`.
 */
export function path(
  strings: TemplateStringsArray,
  ...segments: string[]
): string {
  let out = strings[0];
  segments.forEach((segment, i) => {
    const encoded = encodeURIComponent(segment);
    out += (encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded) +
      strings[i + 1];
  });
  return out;
}

/** A query parameter's value; `undefined` leaves the parameter out. */
export type QueryValue = string | number | boolean | undefined;

/** `?name=value&…` for the parameters that have a value, in the order given; '' for none. */
export function query(params: Record<string, QueryValue>): string {
  const pairs = Object.entries(params).flatMap(([name, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`]
  );
  return pairs.length ? `?${pairs.join('&')}` : '';
}

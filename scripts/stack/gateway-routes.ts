/**
 * Where the gateway sends a request path, without I/O. A path is routed only when every segment
 * is plain, and targets are built from the upstream's origin, so no path (`//host:port/…`,
 * `%2F`, `\`, dot segments, `@`) can name another host or port.
 */

/** A route of the gateway's API. */
export type Route =
  /** `/rest/v1/*`: `path` is what PostgREST sees (from `/`). */
  | { kind: 'rest'; path: string }
  /** `/functions/v1/<name>/*`: `path` is what the function sees (from `/<name>`). */
  | { kind: 'function'; name: string; path: string }
  /** `/functions/v1/<anything that is not a plain name>`. */
  | { kind: 'no-function' }
  /** `/auth/v1/.well-known/jwks.json`: the project's public signing keys. */
  | { kind: 'jwks' }
  /** A path with an empty, encoded-separator or dot segment. */
  | { kind: 'invalid' }
  | { kind: 'none' };

/** Where Supabase Auth publishes a project's public signing keys. */
export const JWKS_PATH = '/auth/v1/.well-known/jwks.json';

/** A function name as the Supabase CLI accepts it: letters, digits, `-` and `_`. */
export const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * True when every segment of `pathname` (already parsed by `URL`) is plain: not empty (but for a
 * trailing slash), valid percent-encoding, and decoding to neither `.`, `..`, nor anything holding
 * `/`, `\` or a control character.
 */
export function isPlainPath(pathname: string): boolean {
  if (!pathname.startsWith('/')) return false;
  const segments = pathname.slice(1).split('/');
  return segments.every((segment, i) => {
    if (segment === '') return i === segments.length - 1;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    // deno-lint-ignore no-control-regex
    return decoded !== '.' && decoded !== '..' && !/[/\\\x00-\x1f\x7f]/.test(decoded);
  });
}

/** Routes a request path (the `pathname` of the request's `URL`). */
export function routeOf(pathname: string): Route {
  if (!isPlainPath(pathname)) return { kind: 'invalid' };
  if (pathname === JWKS_PATH) return { kind: 'jwks' };
  if (pathname === '/rest/v1' || pathname.startsWith('/rest/v1/')) {
    return { kind: 'rest', path: pathname.slice('/rest/v1'.length) || '/' };
  }
  const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(pathname);
  if (fn) {
    if (!FUNCTION_NAME.test(fn[1])) return { kind: 'no-function' };
    return { kind: 'function', name: fn[1], path: `/${fn[1]}${fn[2] ?? ''}` };
  }
  return { kind: 'none' };
}

/**
 * The URL to forward to: the upstream's origin with `path` and `search` set as components, never
 * resolved against it, so the host and port are always the upstream's.
 */
export function upstreamUrl(upstream: string, path: string, search: string): URL {
  const url = new URL(new URL(upstream).origin);
  url.pathname = path;
  url.search = search;
  return url;
}

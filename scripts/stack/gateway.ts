/**
 * The API gateway: what Kong and the edge runtime's relay do in front of a Supabase project.
 * - `/rest/v1/*` → PostgREST. Like Kong's key-auth, the `apikey` (header or query) must be one of
 *   the project's keys (api-keys.ts). When no user token is sent (no `Authorization`, or the
 *   `sb_…` key itself as supabase-js sends it), the key's JWT is forwarded as the bearer token: a
 *   legacy key as it is, a new key as a short-lived JWT minted for its role. CORS preflights are
 *   answered here, like Kong's cors plugin.
 * - `/functions/v1/<name>/*` → the function `<name>`, which sees the path from `/<name>`.
 *   When the function's `verify_jwt` is true (the default), a request without a valid token
 *   signed by the project (HS256 with the JWT secret, or ES256/RS256 with a signing key) is
 *   refused with 401 before the function runs; an `sb_…` key is no JWT. Preflights (`OPTIONS`)
 *   go to the function unchecked; the gateway answers them when the function does not exist or
 *   cannot be reached. While a function's host (re)starts, its requests wait; if it cannot start,
 *   they get 503 `BOOT_ERROR`, as from the edge runtime.
 * - `/auth/v1/.well-known/jwks.json` → the public signing keys, as Supabase Auth serves them.
 * A secret key (`sb_secret_…`) on a request from a browser is refused with 401, on any route.
 * Paths are routed only when every segment is plain (`gateway-routes.ts`); only GET, HEAD, POST,
 * PUT, PATCH, DELETE and OPTIONS are served; every response carries CORS headers; an upstream
 * that does not answer within the upstream timeout gets the client a 504. The gateway's own
 * errors, but for Kong's and the relay's 401s and 404s, are RFC 9457 problems.
 */
import { parse as parseToml } from 'smol-toml';
import type { JSONWebKeySet } from 'jose';
import { type ApiKey, isBrowser, isOpaqueKey } from './api-keys.ts';
import { type HttpServer, type RefusalStatus, serveHttp } from './http-server.ts';
import { projectTokenVerifier, type TokenVerifier } from './jwt.ts';
import { StackError } from './process.ts';
import { routeOf, upstreamUrl } from './gateway-routes.ts';

export interface FunctionRoute {
  name: string;
  /** Internal URL of the process hosting the function, once it listens. */
  target(): Promise<string>;
  verifyJwt: boolean;
}

/** One request to a function, as the gateway answered it. */
export interface FunctionRequest {
  method: string;
  /** The path as the client sent it (no query string). */
  path: string;
  status: number;
  /** Until the response's status and headers were ready. */
  ms: number;
}

export interface GatewayOptions {
  postgrestUrl: () => string;
  functions: Map<string, FunctionRoute>;
  /** The keys accepted as `apikey`, e.g. `projectApiKeys()`. */
  apiKeys: ReadonlyMap<string, ApiKey>;
  jwtSecret: string;
  /** The public signing keys: served as the JWKS, and checked by `verify_jwt` (default none). */
  jwks?: JSONWebKeySet;
  /** How long an upstream may take to start answering, and to send each part of its body. */
  upstreamTimeoutMs?: number;
  /** Called for every request to a known function, refused ones included. */
  onFunctionRequest?: (name: string, request: FunctionRequest) => void;
  /**
   * Abort the upstream request when the client goes away (default true). Off for a `Deno.serve`
   * listener, whose `request.signal` also aborts once a response has been sent.
   */
  followClientAbort?: boolean;
}

/** Default upstream timeout, as Kong's read timeout. */
export const UPSTREAM_TIMEOUT_MS = 60_000;

/**
 * The upstream timeout `GATEWAY_UPSTREAM_TIMEOUT_MS` asks for, undefined when unset; a value that
 * is not a positive whole number of milliseconds stops the stack with a one-line explanation.
 */
export function upstreamTimeoutFromEnv(
  raw = Deno.env.get('GATEWAY_UPSTREAM_TIMEOUT_MS'),
): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new StackError(
      `GATEWAY_UPSTREAM_TIMEOUT_MS must be a number of milliseconds, got "${raw}".`,
    );
  }
  return value;
}

/** The methods some upstream serves; anything else gets 405. */
export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The request headers a preflight may ask for: the ones supabase-js and its clients send. */
export const CORS_ALLOW_HEADERS = [
  'authorization',
  'x-client-info',
  'apikey',
  'content-type',
  'accept',
  'accept-profile',
  'content-profile',
  'prefer',
  'range',
  'x-upsert',
  'x-retry-count',
  'x-supabase-api-version',
  'x-region',
];

/** The response headers a browser app may read, e.g. PostgREST's `Content-Range` for counts. */
export const CORS_EXPOSE_HEADERS = [
  'content-range',
  'content-location',
  'location',
  'preference-applied',
  'range-unit',
  'x-total-count',
];

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host'];

/** Adds `Access-Control-Allow-Origin: *` (and the exposed headers) when the response has none. */
function withCors(response: Response): Response {
  if (!response.headers.has('access-control-allow-origin')) {
    response.headers.set('access-control-allow-origin', '*');
    response.headers.set('access-control-expose-headers', CORS_EXPOSE_HEADERS.join(', '));
  }
  return response;
}

function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return withCors(Response.json(body, { status, headers }));
}

/** The preflight answer, as Kong's cors plugin gives it. */
function preflight(): Response {
  return withCors(
    new Response(null, {
      status: 200,
      headers: {
        'access-control-allow-methods': ALLOWED_METHODS.join(', '),
        'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
        'access-control-max-age': '3600',
      },
    }),
  );
}

/** The errors the gateway answers itself, besides Kong's and the relay's 401 and 404. */
type ProblemStatus = RefusalStatus | 502 | 504;

const PROBLEMS: Record<ProblemStatus, [code: string, title: string, detail: string]> = {
  400: ['bad_request', 'Bad Request', 'The request path or message is malformed.'],
  405: ['method_not_allowed', 'Method Not Allowed', 'The method is not served here; see Allow.'],
  408: ['request_timeout', 'Request Timeout', 'The request was not received in time.'],
  431: ['headers_too_large', 'Request Header Fields Too Large', 'The headers exceed 16 KiB.'],
  500: ['internal_error', 'Internal Server Error', 'An unexpected error occurred.'],
  502: ['bad_gateway', 'Bad Gateway', 'An invalid response was received from the upstream server'],
  504: ['gateway_timeout', 'Gateway Timeout', 'The upstream server is timing out'],
};

/**
 * The gateway's own error as an RFC 9457 problem; `message` repeats `detail` for clients that
 * read Kong's `{ message }`. Never carries an exception's text.
 */
export function problem(status: ProblemStatus): Response {
  const [code, title, detail] = PROBLEMS[status];
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (status === 405) headers.allow = ALLOWED_METHODS.join(', ');
  const body = { type: 'about:blank', title, status, detail, code, message: detail };
  return json(status, body, headers);
}

function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
}

const VERIFIED_MAX = 1_000;

/**
 * `verify_jwt`: true for a token the project signed and unexpired. A token verified before is
 * accepted again until it expires without a new signature check (the cache key is the whole
 * token, signature included), as the function itself does.
 */
function tokenCheck(verify: TokenVerifier): (token: string | undefined) => Promise<boolean> {
  /** Tokens verified recently, with their expiry (ms): a client sends the same one for an hour. */
  const verified = new Map<string, number>();
  return async (token) => {
    if (!token) return false;
    const expires = verified.get(token);
    if (expires !== undefined && expires > Date.now()) return true;
    verified.delete(token);
    try {
      const claims = await verify(token);
      const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + 60_000;
      verified.set(token, exp);
      if (verified.size > VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      return true;
    } catch {
      return false;
    }
  };
}

/** A secret key from a browser: refused whatever the route, as on the platform. */
function secretKeyFromBrowser(): Response {
  return json(401, {
    message: 'Forbidden use of secret API key in browser: use the publishable key there.',
  });
}

function bearer(headers: Headers): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1];
}

/**
 * The upstream's response; 502 when it cannot be reached, 504 when it does not start answering
 * within `timeoutMs`. The response's body fails when the upstream then stalls that long.
 */
async function forward(
  request: Request,
  target: URL,
  headers: Headers,
  timeoutMs: number,
  followClientAbort: boolean,
): Promise<Response | 502 | 504> {
  for (const h of HOP_BY_HOP) headers.delete(h);
  headers.set('accept-encoding', 'identity');
  const stalled = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => timer = setTimeout(() => stalled.abort(), timeoutMs);
  const disarm = () => clearTimeout(timer);
  arm();
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
      signal: followClientAbort
        ? AbortSignal.any([stalled.signal, request.signal])
        : stalled.signal,
    });
  } catch {
    return stalled.signal.aborted ? 504 : 502;
  } finally {
    disarm();
  }
  const out = new Headers(upstream.headers);
  for (const h of HOP_BY_HOP) out.delete(h);
  const reader = upstream.body?.getReader();
  const body = reader &&
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        arm();
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } finally {
          disarm();
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
  return new Response(body, { status: upstream.status, headers: out });
}

/** Builds the gateway's fetch handler. */
export function createGateway(options: GatewayOptions): (request: Request) => Promise<Response> {
  const timeoutMs = options.upstreamTimeoutMs ?? UPSTREAM_TIMEOUT_MS;
  const jwks = options.jwks ?? { keys: [] };
  const validToken = tokenCheck(projectTokenVerifier(options.jwtSecret, jwks));

  /** True when the request carries a server-only key, as `apikey` or as the bearer token. */
  const sendsSecretKey = (request: Request, url: URL) =>
    [request.headers.get('apikey'), url.searchParams.get('apikey'), bearer(request.headers)]
      .some((value) => value != null && options.apiKeys.get(value)?.serverOnly);

  async function pass(request: Request, target: URL, headers: Headers): Promise<Response> {
    const upstream = await forward(
      request,
      target,
      headers,
      timeoutMs,
      options.followClientAbort ?? true,
    );
    if (upstream instanceof Response) return upstream;
    // A function that cannot be reached (REST preflights are answered before this).
    return isPreflight(request) ? preflight() : problem(upstream);
  }

  async function rest(request: Request, url: URL, path: string): Promise<Response> {
    if (isPreflight(request)) return preflight();
    const apikey = request.headers.get('apikey') ?? url.searchParams.get('apikey');
    if (!apikey) return json(401, { message: 'No API key found in request' });
    const key = options.apiKeys.get(apikey);
    if (!key) return json(401, { message: 'Invalid API key' });
    if (key.serverOnly && isBrowser(request.headers.get('user-agent'))) {
      return secretKeyFromBrowser();
    }
    const headers = new Headers(request.headers);
    headers.delete('apikey');
    const token = bearer(headers);
    // An `sb_…` key is no JWT: as bearer it only stands for the apikey (supabase-js sends both).
    const keyAsBearer = token !== undefined && isOpaqueKey(token);
    if (keyAsBearer && token !== apikey) {
      return json(401, { message: 'Invalid API key: Authorization may repeat only the apikey' });
    }
    if (!headers.has('authorization') || keyAsBearer) {
      const jwt = typeof key.jwt === 'string' ? key.jwt : await key.jwt();
      headers.set('authorization', `Bearer ${jwt}`);
    }
    if (url.searchParams.has('apikey')) url.searchParams.delete('apikey');
    return await pass(request, upstreamUrl(options.postgrestUrl(), path, url.search), headers);
  }

  async function fn(
    request: Request,
    url: URL,
    name?: string,
    path = '',
  ): Promise<Response> {
    const route = name === undefined ? undefined : options.functions.get(name);
    if (!route) {
      if (isPreflight(request)) return preflight();
      return json(404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
    }
    const fromBrowser = isBrowser(request.headers.get('user-agent'));
    if (request.method !== 'OPTIONS' && fromBrowser && sendsSecretKey(request, url)) {
      return secretKeyFromBrowser();
    }
    if (route.verifyJwt && request.method !== 'OPTIONS') {
      const token = bearer(request.headers);
      if (!token) return json(401, { code: 401, message: 'Missing authorization header' });
      if (!(await validToken(token))) {
        return json(401, { code: 401, message: 'Invalid JWT' });
      }
    }
    let host: string;
    try {
      host = await route.target();
    } catch {
      if (isPreflight(request)) return preflight();
      return json(503, {
        code: 'BOOT_ERROR',
        message: 'Function failed to start (please check logs)',
      });
    }
    return await pass(request, upstreamUrl(host, path, url.search), new Headers(request.headers));
  }

  /** A request to a known function, reported to `onFunctionRequest`. */
  async function logged(request: Request, url: URL, name: string, path: string) {
    const started = performance.now();
    const response = withCors(await fn(request, url, name, path));
    if (options.functions.has(name)) {
      options.onFunctionRequest?.(name, {
        method: request.method,
        path: url.pathname,
        status: response.status,
        ms: performance.now() - started,
      });
    }
    return response;
  }

  return async (request) => {
    if (!ALLOWED_METHODS.includes(request.method)) return problem(405);
    const url = new URL(request.url);
    const route = routeOf(url.pathname);
    switch (route.kind) {
      case 'rest':
        return withCors(await rest(request, url, route.path));
      case 'function':
        return await logged(request, url, route.name, route.path);
      case 'no-function':
        return await fn(request, url);
      case 'jwks':
        if (isPreflight(request)) return preflight();
        if (request.method !== 'GET' && request.method !== 'HEAD') return problem(405);
        return json(200, jwks, { 'cache-control': 'public, max-age=600' });
      case 'invalid':
        return problem(400);
      case 'none':
        return json(404, { message: 'no Route matched with those values' });
    }
  };
}

/** Where and how patiently the gateway serves. */
export interface ServeGatewayOptions extends GatewayOptions {
  hostname?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** For the request line and headers (default 10 s). */
  headersTimeoutMs?: number;
  /** For the whole request with its body (default 60 s). */
  requestTimeoutMs?: number;
  /** For a connection on which nothing moves (default the upstream timeout plus 5 s). */
  idleTimeoutMs?: number;
}

/**
 * Serves the gateway with the slow-client protection of `serveHttp`. The idle timeout is longer
 * than the upstream timeout, so a connection waiting for its upstream is never cut as idle.
 */
export async function serveGateway(options: ServeGatewayOptions): Promise<HttpServer> {
  return await serveHttp(createGateway(options), {
    hostname: options.hostname ?? '127.0.0.1',
    port: options.port ?? 0,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    idleTimeoutMs: options.idleTimeoutMs ??
      (options.upstreamTimeoutMs ?? UPSTREAM_TIMEOUT_MS) + 5_000,
    refuse: problem,
  });
}

/** Reads `[functions.<name>] verify_jwt` from supabase/config.toml (default true). */
export function readVerifyJwt(configToml: string): (name: string) => boolean {
  const config = parseToml(configToml) as {
    functions?: Record<string, { verify_jwt?: boolean }>;
  };
  return (name) => config.functions?.[name]?.verify_jwt ?? true;
}

/**
 * The API gateway: what Kong and the edge runtime's relay do in front of a Supabase project.
 * - `/rest/v1/*` → PostgREST. Like Kong's key-auth, an `apikey` (header or query) is required;
 *   when no `Authorization` header is sent, the apikey is forwarded as the bearer token.
 * - `/functions/v1/<name>/*` → the function `<name>`, which sees the path from `/<name>`.
 *   When the function's `verify_jwt` is true (the default), a request without a valid token
 *   signed with the project's JWT secret is refused with 401 before the function runs;
 *   CORS preflights (`OPTIONS`) pass through. While a function's host (re)starts, its requests
 *   wait; if it cannot start, they get 503 `BOOT_ERROR`, as from the edge runtime.
 */
import { parse as parseToml } from 'smol-toml';
import { verifyJwt } from './jwt.ts';

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
  jwtSecret: string;
  /** Called for every request to a known function, refused ones included. */
  onFunctionRequest?: (name: string, request: FunctionRequest) => void;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host'];

function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return Response.json(body, { status, headers });
}

async function validToken(token: string | undefined, secret: string): Promise<boolean> {
  if (!token) return false;
  try {
    await verifyJwt(token, secret);
    return true;
  } catch {
    return false;
  }
}

function bearer(headers: Headers): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1];
}

async function forward(request: Request, target: URL, headers: Headers): Promise<Response> {
  for (const h of HOP_BY_HOP) headers.delete(h);
  headers.set('accept-encoding', 'identity');
  try {
    const upstream = await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
    });
    const out = new Headers(upstream.headers);
    for (const h of HOP_BY_HOP) out.delete(h);
    return new Response(upstream.body, { status: upstream.status, headers: out });
  } catch (error) {
    return json(502, {
      message: 'An invalid response was received from the upstream server',
      detail: String(error instanceof Error ? error.message : error),
    });
  }
}

/** Builds the gateway's fetch handler. */
export function createGateway(options: GatewayOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);

    if (url.pathname === '/rest/v1' || url.pathname.startsWith('/rest/v1/')) {
      const apikey = request.headers.get('apikey') ?? url.searchParams.get('apikey') ?? undefined;
      if (!apikey) return json(401, { message: 'No API key found in request' });
      if (!(await validToken(apikey, options.jwtSecret))) {
        return json(401, { message: 'Invalid API key' });
      }
      const headers = new Headers(request.headers);
      headers.delete('apikey');
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${apikey}`);
      url.searchParams.delete('apikey');
      const target = new URL(
        url.pathname.slice('/rest/v1'.length) + url.search,
        options.postgrestUrl(),
      );
      return await forward(request, target, headers);
    }

    const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (fn) {
      const route = options.functions.get(fn[1]);
      if (!route) {
        return json(404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
      }
      const started = performance.now();
      const response = await callFunction(request, route, fn[2] ?? '', url.search);
      options.onFunctionRequest?.(route.name, {
        method: request.method,
        path: url.pathname,
        status: response.status,
        ms: performance.now() - started,
      });
      return response;
    }

    return json(404, { message: 'no Route matched with those values' });
  };

  async function callFunction(
    request: Request,
    route: FunctionRoute,
    rest: string,
    search: string,
  ): Promise<Response> {
    if (route.verifyJwt && request.method !== 'OPTIONS') {
      const token = bearer(request.headers);
      if (!token) return json(401, { code: 401, message: 'Missing authorization header' });
      if (!(await validToken(token, options.jwtSecret))) {
        return json(401, { code: 401, message: 'Invalid JWT' });
      }
    }
    let host: string;
    try {
      host = await route.target();
    } catch {
      return json(503, {
        code: 'BOOT_ERROR',
        message: 'Function failed to start (please check logs)',
      });
    }
    const target = new URL(`/${route.name}${rest}${search}`, host);
    return await forward(request, target, new Headers(request.headers));
  }
}

/** Reads `[functions.<name>] verify_jwt` from supabase/config.toml (default true). */
export function readVerifyJwt(configToml: string): (name: string) => boolean {
  const config = parseToml(configToml) as {
    functions?: Record<string, { verify_jwt?: boolean }>;
  };
  return (name) => config.functions?.[name]?.verify_jwt ?? true;
}

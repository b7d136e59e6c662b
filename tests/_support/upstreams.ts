/**
 * A gateway of a test's own, in front of tiny upstreams the test controls: to make an upstream
 * hang or vanish, and to prove a request never reached a server it must not reach.
 */
import assert from 'node:assert/strict';
import { serveGateway, type ServeGatewayOptions } from '../../scripts/stack/gateway.ts';
import { projectApiKeys } from '../../scripts/stack/api-keys.ts';
import { JWT_SECRET } from '../../scripts/stack/jwt.ts';

/** A local HTTP server recording every request that reaches it. */
export interface Upstream {
  url: string;
  port: number;
  /** `METHOD /path?query` of each request received. */
  seen: string[];
  /** The headers of each request received. */
  headers: Headers[];
  close(): Promise<void>;
}

/**
 * Starts an upstream that answers `answer(request)`, by default `{ upstream: name, path }` as
 * JSON, so a test can tell which upstream answered.
 */
export function startUpstream(
  name: string,
  answer?: (request: Request) => Response | Promise<Response>,
): Upstream {
  const seen: string[] = [];
  const headers: Headers[] = [];
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.pathname}${url.search}`);
    headers.push(request.headers);
    return answer?.(request) ?? Response.json({ upstream: name, path: url.pathname });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    seen,
    headers,
    close: () => server.shutdown(),
  };
}

/** The gateway's options with the project's keys and secret, and no function unless given. */
export type TestGatewayOptions = Partial<ServeGatewayOptions> & { postgrestUrl: () => string };

/** Runs `fn` against a gateway served for it alone, on a free port. */
export async function withGateway(
  options: TestGatewayOptions,
  fn: (gateway: { url: string; port: number }) => Promise<void>,
): Promise<void> {
  const server = await serveGateway({
    functions: new Map(),
    apiKeys: projectApiKeys(),
    jwtSecret: JWT_SECRET,
    ...options,
  });
  try {
    await fn({ url: `http://127.0.0.1:${server.port}`, port: server.port });
  } finally {
    await server.shutdown();
  }
}

/**
 * Asserts that `text` is a problem the gateway answered itself: RFC 9457 members, `code`, and
 * `message` repeating `detail`, nothing else (no exception text).
 */
export function assertGatewayProblem(text: string, status: number, code: string): void {
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body).sort(), [
    'code',
    'detail',
    'message',
    'status',
    'title',
    'type',
  ]);
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.message, body.detail);
}

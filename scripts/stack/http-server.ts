/**
 * Serves a fetch-style handler with `node:http` (Deno's Node compatibility) rather than
 * `Deno.serve`, which has no read timeouts: against it, a client sending its headers or body a
 * byte at a time holds a connection for as long as it likes. Here:
 * - the request line and headers must arrive within `headersTimeoutMs` (also the wait for the
 *   first request on a new connection), and the whole request with its body within
 *   `requestTimeoutMs`; past either the client gets 408 and is disconnected;
 * - a connection on which nothing is read or written for `idleTimeoutMs` is closed (a client that
 *   stops reading its response); one answered before it sent its whole body is closed too, and
 *   a kept-alive one is closed 5 s after its last response (node's `keepAliveTimeout`);
 * - headers over 16 KiB get 431, an unparsable request (or a method the parser does not know) 400;
 * - requests a `Request` cannot carry (CONNECT, TRACE, a target that is not a path) never
 *   reach the handler: they get 405 or 400; a handler that throws gives 500.
 * Every such answer is the `refuse` option's response.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** The statuses the server answers itself, without the handler. */
export type RefusalStatus = 400 | 405 | 408 | 431 | 500;

export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  /** The response for what never reaches the handler. */
  refuse: (status: RefusalStatus) => Response;
}

/** A running server. */
export interface HttpServer {
  port: number;
  /** Stops listening and closes every connection. */
  shutdown(): Promise<void>;
}

const NO_REQUEST_OBJECT = new Set(['CONNECT', 'TRACE']);

/** The request's URL on this server, from an origin-form or absolute-form request target. */
function requestUrl(target: string, origin: string): URL | undefined {
  try {
    if (target.startsWith('/')) return new URL(origin + target);
    const absolute = new URL(target);
    if (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') return undefined;
    return new URL(origin + absolute.pathname + absolute.search);
  } catch {
    return undefined;
  }
}

/** The request as a `Request`, or 400 when its target is not a path or its headers are invalid. */
function toRequest(
  req: http.IncomingMessage,
  url: URL | undefined,
  signal: AbortSignal,
): Request | 400 {
  if (!url) return 400;
  const headers = new Headers();
  try {
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
  } catch {
    return 400;
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' &&
    (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0);
  return new Request(url, {
    method,
    headers,
    body: hasBody ? Readable.toWeb(req) as ReadableStream<Uint8Array> : undefined,
    signal,
  });
}

async function send(res: http.ServerResponse, response: Response): Promise<void> {
  const headers: string[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push('set-cookie', cookie);
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
}

/** Writes a whole response on a socket no `ServerResponse` owns, then closes it. */
async function sendRaw(socket: Socket, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  let head = `HTTP/1.1 ${response.status} ${http.STATUS_CODES[response.status]}\r\n`;
  response.headers.forEach((value, name) => head += `${name}: ${value}\r\n`);
  head += `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`;
  socket.write(head);
  socket.end(body);
}

/** Serves `handler` until `shutdown()`. */
export async function serveHttp(
  handler: (request: Request) => Promise<Response>,
  options: ServeOptions,
): Promise<HttpServer> {
  let origin = '';
  const server = http.createServer({
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs / 4),
  }, async (req, res) => {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    // Answered before the client finished sending: stop reading (and forwarding) the rest.
    res.on('finish', () => req.complete || req.destroy());
    try {
      const request = NO_REQUEST_OBJECT.has(req.method ?? '')
        ? 405
        : toRequest(req, requestUrl(req.url ?? '', origin), gone.signal);
      await send(
        res,
        request instanceof Request ? await handler(request) : options.refuse(request),
      );
    } catch {
      if (res.headersSent) res.destroy();
      else await send(res, options.refuse(500)).catch(() => res.destroy());
    }
  });
  server.timeout = options.idleTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || socket.bytesWritten > 0) return void socket.destroy();
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 408
      : error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : 400;
    sendRaw(socket, options.refuse(status)).catch(() => socket.destroy());
  });
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    sendRaw(socket, options.refuse(405)).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  origin = `http://${options.hostname}:${port}`;
  return {
    port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

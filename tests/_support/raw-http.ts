/**
 * A raw HTTP/1.1 client over TCP, for what `fetch` will not send (TRACE, CONNECT, `..` and `\` in
 * a path, absolute-form targets) or not send slowly (headers and bodies a piece at a time).
 */

/** What the server sent back on the connection. */
export interface RawResponse {
  /** The status of the first response, 0 when none came. */
  status: number;
  headers: Headers;
  /** Everything after the first response's head. */
  body: string;
  /** True when the server closed the connection before the client's deadline. */
  closed: boolean;
}

export interface RawOptions {
  /** Pause before each chunk after the first (default 0). */
  delayMs?: number;
  /** Bound on the whole exchange (default 10 s): the connection is dropped then. */
  deadlineMs?: number;
}

/**
 * Sends `chunks` on a new connection to 127.0.0.1:`port`, `delayMs` apart, stopping early when the
 * server closes, and reads until the server closes or the deadline passes.
 */
export async function rawRequest(
  port: number,
  chunks: string[],
  options: RawOptions = {},
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: '127.0.0.1', port });
  const deadline = Date.now() + (options.deadlineMs ?? 10_000);
  const bytes: Uint8Array[] = [];
  let closed = false;
  const reading = (async () => {
    const buffer = new Uint8Array(16 * 1024);
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      bytes.push(buffer.slice(0, n));
    }
    closed = Date.now() < deadline;
  })();
  const encoder = new TextEncoder();
  for (const [i, chunk] of chunks.entries()) {
    if (closed || Date.now() >= deadline) break;
    if (i > 0 && options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (closed) break;
    try {
      await conn.write(encoder.encode(chunk));
    } catch {
      break;
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    reading,
    new Promise((r) => timer = setTimeout(r, Math.max(0, deadline - Date.now()))),
  ]);
  clearTimeout(timer);
  try {
    conn.close();
  } catch { /* closed by the server */ }
  await reading;
  return parse(new TextDecoder().decode(concat(bytes)), closed);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function parse(text: string, closed: boolean): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: new Headers(), body: text, closed };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const body = text.slice(end + 4);
  const chunked = headers.get('transfer-encoding') === 'chunked';
  return { status, headers, body: chunked ? unchunk(body) : body, closed };
}

/** The payload of a chunked body (of ASCII text). */
function unchunk(body: string): string {
  let out = '';
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) break;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

/** A complete request with `Connection: close`, as one chunk. */
export function requestHead(method: string, target: string, headers: string[] = []): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers, 'Connection: close', '']
    .join('\r\n') + '\r\n';
}

/**
 * Hosts one edge function in its own process, as the edge runtime gives each function its own
 * isolate and environment: imports `supabase/functions/<name>/index.ts` unchanged, captures the
 * handler it passes to `Deno.serve` (or its `export default { fetch }`), and serves it on the
 * internal port the gateway proxies to.
 *
 * Usage: deno run -A --config deno.json scripts/stack/function-host.ts <entrypoint> <port>
 * Exits when its stdin closes, so it never outlives the stack that started it. On SIGTERM (a
 * reload, or the stack stopping) it finishes the requests in flight, then exits.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

type Handler = (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

const [entrypoint, portArg] = Deno.args;
const port = Number(portArg);
if (!entrypoint || !Number.isInteger(port)) {
  console.error('usage: function-host.ts <entrypoint> <port>');
  Deno.exit(2);
}

const realServe = Deno.serve;
let captured: Handler | undefined;

/** Accepts every overload of `Deno.serve` and keeps only the handler. */
// deno-lint-ignore no-explicit-any
(Deno as any).serve = (a: unknown, b?: unknown) => {
  const handler = typeof a === 'function'
    ? a
    : typeof b === 'function'
    ? b
    : (a as { handler?: Handler } | undefined)?.handler;
  if (typeof handler !== 'function') throw new Error('Deno.serve was called without a handler');
  captured = handler as Handler;
  return {
    finished: new Promise<void>(() => {}),
    addr: { transport: 'tcp', hostname: '127.0.0.1', port },
    ref() {},
    unref() {},
    shutdown: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
};

const mod = await import(pathToFileURL(resolve(entrypoint)).href);
Deno.serve = realServe;
if (!captured && typeof mod.default?.fetch === 'function') {
  captured = (req, info) => mod.default.fetch(req, info);
}
if (!captured) {
  console.error(`${entrypoint} neither called Deno.serve nor exported default { fetch }`);
  Deno.exit(1);
}

const handler = captured;
const server = Deno.serve({ hostname: '127.0.0.1', port, onListen() {} }, handler);
Deno.addSignalListener('SIGTERM', () => {
  server.shutdown().finally(() => Deno.exit(0));
});

// Lifeline: stdin is a pipe from the stack; EOF means the stack is gone.
(async () => {
  for await (const _ of Deno.stdin.readable) { /* never written to */ }
  Deno.exit(0);
})();

/**
 * Hosts one edge function in its own process, as the edge runtime gives each function its own
 * isolate and environment: imports its entrypoint unchanged and serves it on the internal port
 * the gateway proxies to, as the edge runtime would:
 * - `export default { fetch }` (`satisfies Deno.ServeDefaultExport`, Supabase's function
 *   template): its own `fetch` is called with the request alone, as the edge runtime's
 *   declarative server does (supabase/edge-runtime `ext/runtime/js/00_serve.js`);
 * - a function that calls `Deno.serve(handler)` itself listens on that port too, whatever port it
 *   asks for: the host sets `DENO_SERVE_ADDRESS`, Deno's own override of that address, before
 *   importing it (no global is patched). Stopping such a host does not wait for its requests.
 * - anything else is refused with what to write instead.
 *
 * Usage: deno run -A --node-modules-dir=manual --config <deno.json> \
 *   scripts/stack/function-host.ts <entrypoint> <port>
 * Exits when its stdin closes, so it never outlives the stack that started it. On SIGTERM (a
 * reload, or the stack stopping) it finishes the requests in flight, then exits.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [entrypoint, portArg] = Deno.args;
const port = Number(portArg);
if (!entrypoint || !Number.isInteger(port)) {
  console.error('usage: function-host.ts <entrypoint> <port>');
  Deno.exit(2);
}

function refuse(reason: string): never {
  console.error(`${entrypoint}: ${reason}`);
  Deno.exit(1);
}

/** Whether something (the function's own `Deno.serve`) listens on the port. */
function listening(): boolean {
  try {
    Deno.listen({ hostname: '127.0.0.1', port }).close();
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return true;
    throw error;
  }
}

Deno.env.set('DENO_SERVE_ADDRESS', `tcp:127.0.0.1:${port}`);
const mod = await import(pathToFileURL(resolve(entrypoint)).href);
const declared: unknown = mod.default;

let server: Deno.HttpServer | undefined;
if (typeof declared === 'object' && declared !== null && Object.hasOwn(declared, 'fetch')) {
  const exported = declared as { fetch: unknown };
  if (typeof exported.fetch !== 'function') {
    refuse('its default export has a `fetch` that is not a function');
  }
  if (listening()) {
    refuse('it exports default { fetch } and calls Deno.serve as well: keep only the export');
  }
  const fetch = exported.fetch as (request: Request) => Response | Promise<Response>;
  server = Deno.serve(
    { hostname: '127.0.0.1', port, onListen() {} },
    (request) => fetch.call(exported, request),
  );
} else if (!listening()) {
  refuse(
    'serves nothing. Export the handler the way the edge runtime serves it, e.g. ' +
      '`export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;` ' +
      '(an object with its own `fetch(request)`), or call `Deno.serve(handler)`.',
  );
}

Deno.addSignalListener('SIGTERM', () => {
  if (!server) Deno.exit(0);
  server.shutdown().finally(() => Deno.exit(0));
});

// Lifeline: stdin is a pipe from the stack; EOF means the stack is gone.
(async () => {
  for await (const _ of Deno.stdin.readable) { /* never written to */ }
  Deno.exit(0);
})();

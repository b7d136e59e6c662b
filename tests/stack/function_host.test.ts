/**
 * The function host (scripts/stack/function-host.ts, supervised by scripts/stack/functions.ts) on
 * its own, without a stack: what it serves from an entrypoint, what it refuses and why, and the
 * registry's function running with its own deno.json from the installed node_modules alone.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';
import { FunctionHost } from '../../scripts/stack/functions.ts';
import {
  type FunctionSetup,
  functionSetup,
  readFunctionsConfig,
} from '../../scripts/stack/project.ts';

/**
 * Starts a host for `entry` (an index.ts's code, run with the repository's deno.json, or a setup),
 * runs `fn` with its URL ('' when it did not start) and what it logged, then stops it.
 */
async function withHost(
  entry: string | FunctionSetup,
  fn: (url: string, logged: string[]) => void | Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: 'function-host-' });
  let setup = entry as FunctionSetup;
  if (typeof entry === 'string') {
    await Deno.writeTextFile(`${dir}/index.ts`, entry);
    setup = { entrypoint: `${dir}/index.ts`, config: `${ROOT}/deno.json` };
  }
  const logged: string[] = [];
  const host = new FunctionHost({
    name: 'probe',
    setup: () => setup,
    logFile: `${dir}/function-probe.log`,
    env,
    log: (line) => logged.push(line),
  });
  try {
    await fn(await host.target().catch(() => ''), logged);
  } finally {
    await host.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  return `${res.status} ${await res.text()}`;
}

Deno.test('function host serves the default export { fetch }, called with the request alone', async () => {
  const code = 'export default {\n' +
    '  fetch: (...args: unknown[]) =>\n' +
    '    new Response(`${args.length} ${new URL((args[0] as Request).url).pathname}`),\n' +
    '} satisfies Deno.ServeDefaultExport;\n';
  await withHost(code, async (url) => {
    assert.equal(await text(`${url}/probe/hello`), '200 1 /probe/hello');
  });
});

Deno.test('function host serves a function that calls Deno.serve itself, on its own port', async () => {
  const code = "Deno.serve({ port: 8000 }, () => new Response('served by Deno.serve'));\n";
  await withHost(code, async (url) => {
    assert.ok(url, 'the host started');
    assert.notEqual(new URL(url).port, '8000');
    assert.equal(await text(`${url}/probe`), '200 served by Deno.serve');
  });
});

Deno.test('function host refuses an entrypoint that serves nothing, saying what to export', async () => {
  const code = "export const handler = () => new Response('never served');\n";
  await withHost(code, (url, logged) => {
    assert.equal(url, '', 'it does not start');
    const said = logged.join('\n');
    assert.match(said, /^function probe failed to start/m);
    assert.match(said, /index\.ts: serves nothing\./);
    assert.match(
      said,
      /`export default \{ fetch: app\.fetch \} satisfies Deno\.ServeDefaultExport;`/,
    );
  });
});

Deno.test('function host refuses a default export whose fetch is no function', async () => {
  await withHost("export default { fetch: 'nope' };\n", (url, logged) => {
    assert.equal(url, '');
    assert.match(logged.join('\n'), /has a `fetch` that is not a function/);
  });
});

Deno.test('the modules function runs with its own deno.json, its packages from node_modules only', async () => {
  const config = readFunctionsConfig(await Deno.readTextFile(`${ROOT}/supabase/config.toml`));
  const setup = functionSetup(ROOT, 'modules', config, { fallback: `${ROOT}/deno.json` });
  assert.deepEqual(setup, {
    entrypoint: `${ROOT}/supabase/functions/modules/index.ts`,
    config: `${ROOT}/supabase/functions/modules/deno.json`,
  });
  // An empty Deno cache and an npm registry nobody answers: a download would fail the start.
  const cache = await Deno.makeTempDir({ prefix: 'function-host-cache-' });
  try {
    await withHost(setup, async (url, logged) => {
      assert.ok(url, `the host started: ${logged.join('\n')}`);
      const res = await fetch(`${url}/modules/catalog`);
      assert.equal(res.status, 401, 'no token: refused by the function itself');
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      await res.body?.cancel();
    }, { DENO_DIR: cache, NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/' });
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

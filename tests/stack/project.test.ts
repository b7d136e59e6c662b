/**
 * What the local stack reads from a project (scripts/stack/project.ts): how each function runs,
 * in the Supabase CLI's order, so the stack serves what `supabase functions serve` and deploys do.
 */
import assert from 'node:assert/strict';
import { functionSetup, readFunctionsConfig } from '../../scripts/stack/project.ts';

const FALLBACK = '/repo/deno.json';

/** A project holding `files` (path under `supabase/` → content); returns its folder. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: 'stack-project-' });
  for (const [path, content] of Object.entries(files)) {
    const file = `${dir}/supabase/${path}`;
    await Deno.mkdir(file.replace(/\/[^/]*$/, ''), { recursive: true });
    await Deno.writeTextFile(file, content);
  }
  return dir;
}

async function setupOf(files: Record<string, string>, name = 'hello') {
  const dir = await project(files);
  try {
    const config = readFunctionsConfig(files['config.toml'] ?? '');
    const setup = functionSetup(dir, name, config, { fallback: FALLBACK });
    const relative = (path?: string) => path?.replace(`${dir}/`, '');
    return {
      entrypoint: relative(setup.entrypoint),
      config: relative(setup.config),
      importMap: relative(setup.importMap),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const INDEX = { 'functions/hello/index.ts': 'export default { fetch: () => new Response() };\n' };

Deno.test('a function runs with the deno.json in its folder', async () => {
  assert.deepEqual(await setupOf({ ...INDEX, 'functions/hello/deno.json': '{}' }), {
    entrypoint: 'supabase/functions/hello/index.ts',
    config: 'supabase/functions/hello/deno.json',
    importMap: undefined,
  });
  assert.deepEqual(
    (await setupOf({ ...INDEX, 'functions/hello/deno.jsonc': '{}' })).config,
    'supabase/functions/hello/deno.jsonc',
  );
});

Deno.test('a function without a deno.json falls back as the CLI does, then to the repo config', async () => {
  assert.deepEqual(await setupOf({ ...INDEX }), {
    entrypoint: 'supabase/functions/hello/index.ts',
    config: FALLBACK,
    importMap: undefined,
  });
  assert.deepEqual(
    await setupOf({ ...INDEX, 'functions/hello/import_map.json': '{}' }),
    {
      entrypoint: 'supabase/functions/hello/index.ts',
      config: FALLBACK,
      importMap: 'supabase/functions/hello/import_map.json',
    },
  );
  assert.deepEqual(
    (await setupOf({ ...INDEX, 'functions/import_map.json': '{}' })).importMap,
    'supabase/functions/import_map.json',
  );
});

Deno.test("config.toml's import_map and entrypoint win, relative to supabase/, as in the CLI", async () => {
  const toml = (lines: string) => `[functions.hello]\nverify_jwt = false\n${lines}\n`;
  assert.deepEqual(
    await setupOf({
      ...INDEX,
      'functions/hello/deno.json': '{}',
      'config.toml': toml('import_map = "../import_map.json"'),
    }),
    {
      entrypoint: 'supabase/functions/hello/index.ts',
      config: FALLBACK,
      importMap: 'import_map.json',
    },
  );
  assert.deepEqual(
    await setupOf({
      ...INDEX,
      'functions/other/deno.json': '{}',
      'config.toml': toml('import_map = "./functions/other/deno.json"'),
    }),
    {
      entrypoint: 'supabase/functions/hello/index.ts',
      config: 'supabase/functions/other/deno.json',
      importMap: undefined,
    },
  );
  assert.deepEqual(
    await setupOf({
      'functions/hello/src/main.ts': '',
      'functions/hello/src/deno.json': '{}',
      'config.toml': toml('entrypoint = "./functions/hello/src/main.ts"'),
    }),
    {
      entrypoint: 'supabase/functions/hello/src/main.ts',
      config: 'supabase/functions/hello/src/deno.json',
      importMap: undefined,
    },
  );
});

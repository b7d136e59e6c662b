/**
 * The edge runtime (`supabase functions serve`, deploys) resolves a function's bare imports with
 * the `deno.json` in the function's folder, and so does the local stack's function host; the
 * tests, the bench and `deno task typecheck` import the same code with the project's import map.
 * Each function's `deno.json` must therefore map every bare specifier its code (and `_shared`)
 * imports, to exactly the version the import map pins, and resolve from the installed
 * node_modules; and config.toml must not name an `import_map` for a function, which would replace
 * that deno.json on deploy (supabase/cli `GetFunctionConfig`: flag, then config.toml, then the
 * function's deno.json).
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';
import { readFunctionsConfig } from '../../scripts/stack/project.ts';

const FUNCTIONS = `${ROOT}/supabase/functions`;

function tsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** Bare specifiers (`hono`, `hono/cors`, `zod`) imported by the files. */
function bareImports(files: string[]): Set<string> {
  const found = new Set<string>();
  const pattern = /^(?:import|export)\s[^;]*?from\s+'([^']+)'|\bimport\(\s*'([^']+)'/gm;
  for (const file of files) {
    for (const [, fromClause, dynamic] of Deno.readTextFileSync(file).matchAll(pattern)) {
      const spec = fromClause ?? dynamic;
      if (!/^(\.|\/|npm:|node:|jsr:|https?:)/.test(spec)) found.add(spec);
    }
  }
  return found;
}

function resolves(imports: Record<string, string>, spec: string): string | undefined {
  if (spec in imports) return spec;
  return Object.keys(imports).find((key) => key.endsWith('/') && spec.startsWith(key));
}

const functions = [...Deno.readDirSync(FUNCTIONS)]
  .filter((e) => e.isDirectory && !/^[._]/.test(e.name))
  .map((e) => e.name);

Deno.test('each function has a deno.json that pins its imports as the import map does', () => {
  const root = JSON.parse(Deno.readTextFileSync(`${ROOT}/import_map.json`)).imports;
  const shared = tsFiles(`${FUNCTIONS}/_shared`);
  assert.ok(functions.length > 0);
  for (const name of functions) {
    const config = JSON.parse(Deno.readTextFileSync(`${FUNCTIONS}/${name}/deno.json`));
    const imports: Record<string, string> = config.imports ?? {};
    const used = bareImports([...tsFiles(`${FUNCTIONS}/${name}`), ...shared]);
    assert.ok(used.size > 0, `${name} imports no packages? the scan is broken`);
    for (const spec of used) {
      const key = resolves(imports, spec);
      assert.ok(key, `${name}/deno.json does not map "${spec}"`);
      assert.deepEqual(imports[key], root[key], `${name}/deno.json pins "${key}" differently`);
    }
  }
});

Deno.test('config.toml names no import_map for a function, so its own deno.json applies', () => {
  const config = readFunctionsConfig(Deno.readTextFileSync(`${ROOT}/supabase/config.toml`));
  for (const [name, table] of Object.entries(config)) {
    assert.equal(
      table.import_map,
      undefined,
      `[functions.${name}] import_map overrides its deno.json`,
    );
  }
});

Deno.test('each function type-checks with its own deno.json, its packages from node_modules', async () => {
  for (const name of functions) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        'check',
        '--quiet',
        '--node-modules-dir=manual',
        '--config',
        `${FUNCTIONS}/${name}/deno.json`,
        `${FUNCTIONS}/${name}/index.ts`,
      ],
      // An npm registry nobody answers: a package missing from node_modules fails, not downloads.
      env: { NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/', NO_COLOR: '1' },
      stdin: 'null',
    }).output();
    assert.ok(out.success, `${name}: ${new TextDecoder().decode(out.stderr)}`);
  }
});

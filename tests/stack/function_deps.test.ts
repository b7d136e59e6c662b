/**
 * The edge runtime (`supabase functions serve`, deploys) resolves a function's bare imports with
 * the `deno.json` in the function's folder, not with the project's import map, which is what the
 * local stack and the tests use. Each function's `deno.json` must therefore map every bare
 * specifier its code (and `_shared`) imports, to exactly the version the import map pins.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';

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

/**
 * Module files and fixture ids for the tests of the module tasks (no database needed).
 */
import type { ModuleManifest } from '../../scripts/modules/manifest.ts';

/** A temporary folder holding one module file per given module. */
export async function moduleDir(...modules: Record<string, unknown>[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: 'modules-' });
  for (const m of modules) {
    await Deno.writeTextFile(`${dir}/${m.id}.json`, JSON.stringify(m, null, 2));
  }
  return dir;
}

/** A fixture module id no team would pick: `zz_<what>_<random>`. */
export const fixtureId = (what = 'fixture') => `zz_${what}_${crypto.randomUUID().slice(0, 8)}`;

/** A module as a module file says it, with what a test does not care about filled in. */
export function manifest(
  id: string,
  fields: Partial<Omit<ModuleManifest, 'id' | 'file'>> = {},
): ModuleManifest {
  return {
    id,
    name: 'Zz fixture',
    description: 'A module of the test suite',
    version: '1.0.0',
    settings_schema: null,
    requires: {},
    migrations: {},
    owned_tables: [],
    file: `${id}.json`,
    ...fields,
  };
}

/** `manifest` as the content of a module file. */
export function moduleFile(
  id: string,
  fields: Partial<Omit<ModuleManifest, 'id' | 'file'>> = {},
): Record<string, unknown> {
  const { file: _file, ...content } = manifest(id, fields);
  return content;
}

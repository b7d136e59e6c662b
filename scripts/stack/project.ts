/**
 * What the stack reads from a project (the folder holding `supabase/`): its functions and how each
 * runs, its seed files as `supabase/config.toml` lists them, and the real Supabase CLI run against
 * it.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { run } from './process.ts';

/** This repository (the folder holding `supabase/` and `node_modules/`). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/**
 * Where `deno task dev` keeps its state (`STACK_STATE_DIR`, default `.stack/`; the stack itself in
 * its `dev/`) and which project it runs (`STACK_PROJECT_DIR`, default this repository), as
 * `db:reset` and `jwt` find them too.
 */
export function devLocations(): { state: string; project: string } {
  return {
    state: Deno.env.get('STACK_STATE_DIR') || `${ROOT}/.stack`,
    project: Deno.env.get('STACK_PROJECT_DIR') || ROOT,
  };
}

/** Runs the real Supabase CLI from node_modules on `project` (default: this repository). */
export async function supabaseCli(args: string[], project = ROOT): Promise<string> {
  return await run([`${ROOT}/node_modules/.bin/supabase`, ...args, '--workdir', project], {
    env: { SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', CI: '1', PGSSLMODE: 'disable' },
  });
}

/** Edge functions: folders of `supabase/functions` holding an `index.ts`, except `_shared`. */
export function discoverFunctions(project: string): string[] {
  const names: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(`${project}/supabase/functions`)];
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!entry.isDirectory || /^[._]/.test(entry.name)) continue;
    try {
      Deno.statSync(`${project}/supabase/functions/${entry.name}/index.ts`);
      names.push(entry.name);
    } catch { /* not a function */ }
  }
  return names.sort();
}

/** What a function host runs: an entrypoint and the Deno configuration it resolves imports with. */
export interface FunctionSetup {
  /** Absolute path of the module to import. */
  entrypoint: string;
  /** The deno.json it runs with (`--config`). */
  config: string;
  /** A plain import map that replaces the config's imports (`--import-map`), if any. */
  importMap?: string;
}

/** The `[functions.<name>]` tables of config.toml, as far as the local stack reads them. */
export type FunctionsConfig = Record<
  string,
  { verify_jwt?: boolean; entrypoint?: string; import_map?: string }
>;

/** The `[functions.<name>]` tables of a config.toml's text. */
export function readFunctionsConfig(configToml: string): FunctionsConfig {
  return (parseToml(configToml) as { functions?: FunctionsConfig }).functions ?? {};
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * How `supabase functions serve` and `supabase functions deploy` would run function `name` of
 * `project`, given `config` (its config.toml's functions), in the Supabase CLI's order
 * (supabase/cli `pkg/config/config.go`, and `GetFunctionConfig` in
 * `internal/functions/deploy/deploy.go`): the entrypoint is `[functions.<name>] entrypoint`
 * (relative to `supabase/`), else `functions/<name>/index.ts`; its imports come from
 * `[functions.<name>] import_map` when set, else from the `deno.json` or `deno.jsonc` beside the
 * entrypoint, else from the deprecated `functions/<name>/import_map.json` or
 * `functions/import_map.json`; with none of these, from `fallback` (the repository's deno.json).
 * `options.entrypoint` replaces the first step (the bench's baseline, outside `supabase/`).
 */
export function functionSetup(
  project: string,
  name: string,
  config: FunctionsConfig,
  options: { fallback: string; entrypoint?: string },
): FunctionSetup {
  const supabase = `${project}/supabase`;
  const declared = config[name] ?? {};
  const inSupabase = (path: string) => resolve(supabase, path);
  const entrypoint = options.entrypoint ??
    (declared.entrypoint
      ? inSupabase(declared.entrypoint)
      : `${supabase}/functions/${name}/index.ts`);
  const folder = entrypoint.replace(/\/[^/]*$/, '');
  const imports = declared.import_map ? inSupabase(declared.import_map) : [
    `${folder}/deno.json`,
    `${folder}/deno.jsonc`,
    `${supabase}/functions/${name}/import_map.json`,
    `${supabase}/functions/import_map.json`,
  ].find(isFile);
  if (!imports) return { entrypoint, config: options.fallback };
  if (/(^|\/)deno\.jsonc?$/.test(imports)) return { entrypoint, config: imports };
  return { entrypoint, config: options.fallback, importMap: imports };
}

interface SeedConfig {
  db?: { seed?: { enabled?: boolean; sql_paths?: string[] } };
}

/**
 * The seed files `supabase db reset` would load, in its order: `[db.seed] sql_paths` of
 * supabase/config.toml (default `./seed.sql`), relative to `supabase/`, each pattern's matches
 * sorted, duplicates dropped; none when `[db.seed] enabled = false`.
 */
export async function seedFiles(project: string): Promise<string[]> {
  const config = parseToml(
    await Deno.readTextFile(`${project}/supabase/config.toml`),
  ) as SeedConfig;
  const seed = config.db?.seed ?? {};
  if (seed.enabled === false) return [];
  const files: string[] = [];
  for (const pattern of seed.sql_paths ?? ['./seed.sql']) {
    const absolute = pattern.startsWith('/') ? pattern : `${project}/supabase/${pattern}`;
    for (const file of glob(absolute).sort()) {
      if (!files.includes(file)) files.push(file);
    }
  }
  return files;
}

/** Matches `*`, `?` and `[…]` within the segments of an absolute path, as Go's `fs.Glob`. */
function glob(pattern: string): string[] {
  let paths = [''];
  for (const segment of pattern.split('/').filter((s) => s !== '' && s !== '.')) {
    if (!/[*?[]/.test(segment)) {
      paths = paths.map((base) => `${base}/${segment}`);
      continue;
    }
    const re = new RegExp(
      `^${
        segment.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '.')
      }$`,
    );
    paths = paths.flatMap((base) => {
      try {
        return [...Deno.readDirSync(base)].filter((e) => re.test(e.name)).map((e) =>
          `${base}/${e.name}`
        );
      } catch {
        return [];
      }
    });
  }
  return paths.filter(isFile);
}

/**
 * Module files: `supabase/modules/<id>.json`, one per module, holding what the catalog row says
 * about it (id, name, description, version, settings schema, the modules it requires and the
 * settings migrations to its version). They are data, published to the database by
 * `deno task modules:publish`; nothing in the edge function knows about any module.
 *
 * The shapes are checked here, so that a typo is named with its file before anything connects;
 * the database stays the judge of everything (schemas, ranges, jsonpath expressions, cycles).
 */
import { z } from 'zod';
import { ROOT } from '../stack/project.ts';

/** Where module files live. */
export const MODULES_DIR = `${ROOT}/supabase/modules`;

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/;

const SLUG = /^[a-z][a-z0-9_-]{1,62}$/;

const slug = z.string().regex(SLUG, 'must be a slug: a-z, then 1 to 62 of a-z 0-9 _ -');
const semver = z.string().regex(SEMVER, 'must be a semantic version such as 1.2.3');

/** A JSON Pointer (RFC 6901) to a key inside the settings; the root itself is not one. */
const pointer = z.string().regex(
  /^(\/([^~/]|~[01])*)+$/,
  'must be a JSON Pointer to a key inside the settings, such as /branding/color',
);

/** One step of a settings migration, as the database runs it. */
export const migrationStep = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), path: pointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('replace'), path: pointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('remove'), path: pointer }),
  z.strictObject({ op: z.literal('move'), from: pointer, path: pointer }),
  z.strictObject({ op: z.literal('copy'), from: pointer, path: pointer }),
  z.strictObject({
    op: z.literal('compute'),
    path: pointer,
    jsonpath: z.string().min(1, 'must be an SQL/JSON path expression such as "$.minutes / 60"'),
  }),
], {
  error: 'must be a step: {"op": "add" | "replace" | "remove" | "move" | "copy" | "compute", ...}',
});

export type MigrationStep = z.infer<typeof migrationStep>;

/** The shape of a module file; the database checks the settings schema itself. */
export const moduleFile = z.strictObject({
  $schema: z.string().optional(),
  id: slug,
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  version: semver,
  settings_schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]).nullable()
    .optional(),
  requires: z.record(
    slug,
    z.string({ error: 'must be a version range such as ^1.2.0' }).min(
      1,
      'must be a version range such as ^1.2.0',
    ),
    { error: 'must be an object of module ids to version ranges, such as {"crm": "^1.2.0"}' },
  ).optional(),
  migrations: z.record(
    semver,
    z.array(migrationStep, { error: 'must be a list of steps' }),
    { error: 'must be an object of versions to lists of steps' },
  ).optional(),
  owned_tables: z.array(
    z.string().regex(
      /^([a-z_][a-z0-9_$]*\.)?[a-z_][a-z0-9_$]*$/,
      'must be a table name, "table" (in public) or "schema.table"',
    ),
  ).optional(),
});

/** A module as the catalog stores it. */
export interface ModuleManifest {
  id: string;
  name: string;
  description: string | null;
  version: string;
  settings_schema: unknown;
  /** Required modules: module id → semver range. */
  requires: Record<string, string>;
  /** Settings migrations: version → the steps from the version before it. */
  migrations: Record<string, MigrationStep[]>;
  /** Tables holding the module's data per tenant (`tenant_id` column), purged on uninstall. */
  owned_tables: string[];
  /** The file it came from, for messages. */
  file: string;
}

/** Thrown for a module file that cannot be published, with a message naming the file. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** A path as the database writes it: `migrations["2.0.0"][0].op`. */
function pathText(path: PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(key))) {
      text += text ? `.${String(key)}` : String(key);
    } else text += `[${JSON.stringify(String(key))}]`;
  }
  return text || '(file)';
}

/** One problem of a module file as `path message`. */
function issueText(issue: z.core.$ZodIssue): string {
  const at = pathText(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${at} has unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_key':
      return `${at}: the key ${issue.issues.map((i) => i.message).join('; ')}`;
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return `${at} is required`;
  }
  return `${at} ${issue.message}`;
}

/** Reads and checks one module file. */
export async function readManifest(file: string): Promise<ModuleManifest> {
  const name = file.replace(/^.*\//, '');
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    throw new ManifestError(`${name}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = moduleFile.safeParse(raw);
  if (!parsed.success) {
    throw new ManifestError(`${name}: ${parsed.error.issues.map(issueText).join('; ')}`);
  }
  const m = parsed.data;
  if (name !== `${m.id}.json`) {
    throw new ManifestError(`${name}: a module file is named after its id ("${m.id}.json")`);
  }
  return {
    id: m.id,
    name: m.name,
    description: m.description ?? null,
    version: m.version,
    settings_schema: m.settings_schema ?? null,
    requires: m.requires ?? {},
    migrations: m.migrations ?? {},
    owned_tables: m.owned_tables ?? [],
    file,
  };
}

/** Every module file of `dir`, sorted by id. */
export async function readManifests(dir = MODULES_DIR): Promise<ModuleManifest[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith('.json')) files.push(`${dir}/${entry.name}`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const manifests = await Promise.all(files.sort().map(readManifest));
  return manifests.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * `modules` ordered so that every module comes after those it requires (by id otherwise): the
 * order in which each upsert also holds on its own, e.g. in a seed file run statement by
 * statement. Modules in a cycle keep their place; the database refuses the cycle.
 */
export function requirementsFirst(modules: ModuleManifest[]): ModuleManifest[] {
  const byId = new Map(modules.map((m) => [m.id, m]));
  const ordered: ModuleManifest[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: ModuleManifest) => {
    if (state.has(m.id)) return;
    state.set(m.id, 'visiting');
    for (const dep of Object.keys(m.requires).sort()) {
      const required = byId.get(dep);
      if (required) visit(required);
    }
    state.set(m.id, 'done');
    ordered.push(m);
  };
  for (const m of [...modules].sort((a, b) => a.id.localeCompare(b.id))) visit(m);
  return ordered;
}

/**
 * Module files: `supabase/modules/<id>.json`, one per module, holding what the catalog row says
 * about it (id, name, description, version, settings schema). They are data, published to the
 * database by `deno task modules:publish`; nothing in the edge function knows about any module.
 */
import { z } from 'zod';
import { ROOT } from '../stack/project.ts';

/** Where module files live. */
export const MODULES_DIR = `${ROOT}/supabase/modules`;

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/;

/** The shape of a module file; the database checks the settings schema itself. */
export const moduleFile = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(
    /^[a-z][a-z0-9_-]{1,62}$/,
    'must be a slug: a-z, then 1 to 62 of a-z 0-9 _ -',
  ),
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  version: z.string().regex(SEMVER, 'must be a semantic version such as 1.2.3'),
  settings_schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]).nullable()
    .optional(),
});

/** A module as the catalog stores it. */
export interface ModuleManifest {
  id: string;
  name: string;
  description: string | null;
  version: string;
  settings_schema: unknown;
  /** The file it came from, for messages. */
  file: string;
}

/** Thrown for a module file that cannot be published, with a message naming the file. */
export class ManifestError extends Error {
  override name = 'ManifestError';
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
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`);
    throw new ManifestError(`${name}: ${issues.join('; ')}`);
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

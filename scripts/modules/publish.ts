/**
 * `deno task modules:publish [--db-url <url>] [--dry-run] [--dir <folder>]`: publishes every module
 * file (`supabase/modules/<id>.json`) to the catalog, `public.modules`, in one transaction. Safe to
 * run again: a module whose row already says the same is left alone. It never deletes a module or
 * changes `is_active` (an operator's switch).
 *
 * The database decides what may be published: a settings schema outside the supported subset of
 * JSON Schema, or one that some tenant's current settings would fail, is refused (SQLSTATE 23514
 * with the reasons as JSON in the detail) and nothing is published.
 *
 * `--db-url` defaults to `$SUPABASE_DB_URL`, else the local stack's database.
 * `--seed` writes the catalog part of `supabase/seed.sql` from the module files instead.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { ROOT } from '../stack/project.ts';
import { ManifestError, type ModuleManifest, MODULES_DIR, readManifests } from './manifest.ts';

export type Outcome = 'created' | 'updated' | 'unchanged';

/** What publishing did to one module. */
export interface Published {
  id: string;
  version: string;
  outcome: Outcome;
}

/** A refusal by the database, with its reasons. */
export class PublishError extends Error {
  override name = 'PublishError';
  constructor(message: string, readonly reasons: unknown[] = []) {
    super(message);
  }
}

/** The reasons the database gave (the DETAIL of its error, a JSON array), if any. */
function reasons(detail: string | undefined): unknown[] {
  try {
    const parsed = JSON.parse(detail ?? '');
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * The upsert of one catalog row, given the SQL of its five values (id, name, description, version,
 * settings schema): it refreshes all of them but `is_active`, an operator's switch, and writes
 * nothing when the row already says the same. Published and seeded alike.
 */
function upsertSql(values: string[]): string {
  return [
    'insert into public.modules (id, name, description, version, settings_schema)',
    `values (${values.join(', ')})`,
    'on conflict (id) do update',
    'set name = excluded.name,',
    '    description = excluded.description,',
    '    version = excluded.version,',
    '    settings_schema = excluded.settings_schema',
    'where (modules.name, modules.description, modules.version, modules.settings_schema)',
    '  is distinct from',
    '  (excluded.name, excluded.description, excluded.version, excluded.settings_schema)',
  ].join('\n');
}

/**
 * Upserts `modules` into `public.modules` in one transaction (rolled back when `dryRun`), and
 * says for each whether it was created, updated or already up to date.
 */
export async function publishModules(
  sql: postgres.Sql,
  modules: ModuleManifest[],
  options: { dryRun?: boolean } = {},
): Promise<Published[]> {
  const results: Published[] = [];
  const rollback = new Error('dry run');
  try {
    await sql.begin(async (tx) => {
      for (const m of modules) {
        // postgres.js serializes a parameter it knows to be jsonb with JSON.stringify itself.
        const schema = m.settings_schema as postgres.ParameterOrJSON<never>;
        try {
          const rows = await tx.unsafe<{ inserted: boolean }[]>(
            `${upsertSql(['$1', '$2', '$3', '$4', '$5::jsonb'])}\nreturning (xmax = 0) as inserted`,
            [m.id, m.name, m.description, m.version, schema],
          );
          const outcome = rows.length === 0
            ? 'unchanged'
            : rows[0].inserted
            ? 'created'
            : 'updated';
          results.push({ id: m.id, version: m.version, outcome });
        } catch (error) {
          const e = error as postgres.PostgresError;
          if (e.code === '23514' || e.code === '23502' || e.code === '22P02') {
            throw new PublishError(`${m.id}: ${e.message}`, reasons(e.detail));
          }
          throw error;
        }
      }
      if (options.dryRun) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return results;
}

/**
 * Publishes the module files of `project` (`supabase/modules/*.json`) to the database at `url`,
 * logging one line per module that changed; a refusal is a {@link PublishError}. What the local
 * stack runs at every start and whenever a module file is saved.
 */
export async function publishProject(
  url: string,
  project = ROOT,
  log: (line: string) => void = () => {},
): Promise<Published[]> {
  const modules = await readManifests(`${project}/supabase/modules`);
  if (!modules.length) return [];
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const results = await publishModules(sql, modules);
    for (const r of results) {
      if (r.outcome !== 'unchanged') log(`module ${r.id} ${r.version}: ${r.outcome}`);
    }
    return results;
  } finally {
    await sql.end();
  }
}

/** A refusal as lines a person reads: the database's message, then one line per reason. */
export function describeRefusal(error: PublishError): string[] {
  return [error.message, ...error.reasons.map((r) => `  ${describe(r)}`)];
}

/** A literal for SQL text: single quotes doubled. */
function literal(value: string | null): string {
  return value === null ? 'null' : `'${value.replaceAll("'", "''")}'`;
}

/**
 * The catalog part of `supabase/seed.sql` for `modules`: the same upserts `publishModules` runs,
 * as SQL the Supabase CLI loads after `supabase start` or `supabase db reset`.
 */
export function seedSql(modules: ModuleManifest[]): string {
  const lines = [
    '-- The catalog of modules the product ships, generated from supabase/modules/*.json by',
    '-- `deno task modules:publish --seed`; do not edit by hand (a test checks it is in step).',
    '-- Idempotent: refreshes name, description, version and settings schema, never is_active.',
  ];
  for (const m of modules) {
    const schema = m.settings_schema === null
      ? 'null'
      : `${literal(JSON.stringify(m.settings_schema, null, 2))}::jsonb`;
    lines.push(
      '',
      `${
        upsertSql([
          literal(m.id),
          literal(m.name),
          literal(m.description),
          literal(m.version),
          schema,
        ])
      };`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The seed file the Supabase CLI loads. */
export const SEED_FILE = `${ROOT}/supabase/seed.sql`;

/** One reason as a line: `path: message`, or a tenant and its settings' errors. */
function describe(reason: unknown): string {
  const r = reason as { path?: string; message?: string; tenant_id?: string; errors?: unknown[] };
  if (r.tenant_id) return `tenant ${r.tenant_id}: ${(r.errors ?? []).map(describe).join('; ')}`;
  if (r.path !== undefined) return `${r.path}: ${r.message}`;
  return JSON.stringify(reason);
}

function defaultDbUrl(): string {
  const fromEnv = Deno.env.get('SUPABASE_DB_URL');
  if (fromEnv) return fromEnv;
  const port = Deno.env.get('DB_PORT') || '54322';
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      'db-url': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      seed: { type: 'boolean', default: false },
      dir: { type: 'string', default: MODULES_DIR },
    },
  });
  const modules = await readManifests(values.dir);
  if (values.seed) {
    await Deno.writeTextFile(SEED_FILE, seedSql(modules));
    console.log(`wrote ${SEED_FILE.replace(`${ROOT}/`, '')} (${modules.length} module(s))`);
    return 0;
  }
  if (!modules.length) {
    console.error(`no module files in ${values.dir}`);
    return 1;
  }
  const url = values['db-url'] ?? defaultDbUrl();
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const results = await publishModules(sql, modules, { dryRun: values['dry-run'] });
    for (const r of results) console.log(`${r.outcome.padEnd(9)} ${r.id} ${r.version}`);
    if (values['dry-run']) console.log('(dry run: nothing was written)');
    return 0;
  } catch (error) {
    if (error instanceof PublishError) {
      const [first, ...rest] = describeRefusal(error);
      console.error(`refused, nothing published: ${first}`);
      for (const line of rest) console.error(line);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'CONNECT_TIMEOUT') {
      console.error(
        `cannot reach the database at ${url.replace(/:[^:@/]*@/, ':***@')}: start the stack ` +
          '(npm run dev) or pass --db-url.',
      );
      return 1;
    }
    throw error;
  } finally {
    await sql.end();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}

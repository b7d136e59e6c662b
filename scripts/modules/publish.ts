/**
 * `deno task modules:publish [--db-url <url>] [--dry-run] [--dir <folder>]`: publishes every module
 * file (`supabase/modules/<id>.json`) to the catalog, `public.modules`, in one transaction. Safe to
 * run again: a module whose row already says the same is left alone. It never deletes a module or
 * changes `is_active` (an operator's switch). A file with a new version records that version in
 * `public.module_versions` (the database does, whoever writes the catalog); the same version again
 * refreshes it. The order of the files does not matter: a module may require one published in the
 * same run.
 *
 * The database decides what may be published: a settings schema outside the supported subset of
 * JSON Schema, one that some tenant's current settings would fail, malformed requirements or
 * migrations, owned tables that do not exist or have no `tenant_id uuid` column, a version older
 * than the latest (SQLSTATE 23514), a requirement no published version satisfies (23503) or a cycle
 * of requirements (23514) is refused, with the reasons as JSON in the detail, and nothing is
 * published. The requirement checks run at commit; they run before the rollback of a dry run too.
 *
 * `--db-url` defaults to `$SUPABASE_DB_URL`, else the local stack's database.
 * `--seed` writes the catalog part of `supabase/seed.sql` from the module files instead.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { ROOT } from '../stack/project.ts';
import {
  connectDb,
  connectionProblem,
  defaultDbUrl,
  describeReason,
  reasons,
  runCommand,
} from './db.ts';
import { type ModuleManifest, MODULES_DIR, readManifests, requirementsFirst } from './manifest.ts';

export type Outcome = 'created' | 'new version' | 'updated' | 'unchanged';

/** What publishing did to one module. */
export interface Published {
  id: string;
  version: string;
  outcome: Outcome;
  /** The catalog's version before a new one was recorded (`new version` only). */
  previous?: string;
}

/** A refusal by the database, with its reasons. */
export class PublishError extends Error {
  override name = 'PublishError';
  constructor(message: string, readonly reasons: unknown[] = []) {
    super(message);
  }
}

/** SQLSTATEs of the database's refusals of a catalog row. */
const REFUSALS = new Set(['23514', '23503', '23502', '22P02', '22023']);

/** `error` as a {@link PublishError} when the database refused what was published. */
function refusal(error: unknown, prefix = ''): unknown {
  const e = error as postgres.PostgresError;
  if (!(e instanceof postgres.PostgresError) || !REFUSALS.has(e.code)) return error;
  return new PublishError(`${prefix}${e.message}`, reasons(e.detail));
}

/**
 * The upsert of one catalog row, given the SQL of its eight values (id, name, description,
 * version, settings schema, requires, migrations, owned tables): it refreshes all of them but
 * `is_active`, an operator's switch, and writes nothing when the row already says the same.
 * Published and seeded alike.
 */
function upsertSql(values: string[]): string {
  return [
    'insert into public.modules',
    '  (id, name, description, version, settings_schema, requires, migrations, owned_tables)',
    `values (${values.join(', ')})`,
    'on conflict (id) do update',
    'set name = excluded.name,',
    '    description = excluded.description,',
    '    version = excluded.version,',
    '    settings_schema = excluded.settings_schema,',
    '    requires = excluded.requires,',
    '    migrations = excluded.migrations,',
    '    owned_tables = excluded.owned_tables',
    'where (modules.name, modules.description, modules.version, modules.settings_schema,',
    '       modules.requires, modules.migrations, modules.owned_tables)',
    '  is distinct from',
    '  (excluded.name, excluded.description, excluded.version, excluded.settings_schema,',
    '   excluded.requires, excluded.migrations, excluded.owned_tables)',
  ].join('\n');
}

/**
 * Upserts `modules` into `public.modules` in one transaction (rolled back when `dryRun`), and
 * says for each whether it was created, moved to a new version, updated or already up to date.
 * Any refusal, the requirement checks the database defers to commit included, is a
 * {@link PublishError} and nothing is written.
 */
export async function publishModules(
  sql: postgres.Sql,
  modules: ModuleManifest[],
  options: { dryRun?: boolean } = {},
): Promise<Published[]> {
  if (!modules.length) return [];
  const results: Published[] = [];
  const rollback = new Error('dry run');
  try {
    await sql.begin(async (tx) => {
      const ids = modules.map((m) => m.id);
      const before = new Map(
        (await tx<{ id: string; version: string }[]>`
          select id, version from public.modules where id in ${tx(ids)} for update`)
          .map((r) => [r.id, r.version]),
      );
      for (const m of modules) {
        // postgres.js serializes a parameter it knows to be jsonb with JSON.stringify itself.
        const json = (value: unknown) => value as postgres.ParameterOrJSON<never>;
        const rows = await tx.unsafe<{ inserted: boolean }[]>(
          `${
            upsertSql(['$1', '$2', '$3', '$4', '$5::jsonb', '$6::jsonb', '$7::jsonb', '$8::text[]'])
          }\nreturning (xmax = 0) as inserted`,
          [
            m.id,
            m.name,
            m.description,
            m.version,
            json(m.settings_schema),
            json(m.requires),
            json(m.migrations),
            m.owned_tables,
          ],
        ).catch((error) => {
          throw refusal(error, `${m.id}: `);
        });
        const previous = before.get(m.id);
        const outcome: Outcome = rows.length === 0
          ? 'unchanged'
          : rows[0].inserted
          ? 'created'
          : previous !== m.version
          ? 'new version'
          : 'updated';
        results.push({
          id: m.id,
          version: m.version,
          outcome,
          ...(outcome === 'new version' ? { previous } : {}),
        });
      }
      // The requirement checks are deferred to commit; run them here, where a dry run sees them.
      await tx`set constraints all immediate`;
      if (options.dryRun) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw refusal(error);
  }
  return results;
}

/** The version a module is at, or the move: `2.0.0`, `1.0.0 → 2.0.0` for a new version. */
function versionText(r: Published): string {
  return r.outcome === 'new version' ? `${r.previous} → ${r.version}` : r.version;
}

/** One module's line of the report: `created     crm 1.0.0`, `new version crm 1.0.0 → 2.0.0`. */
export function publishedLine(r: Published): string {
  return `${r.outcome.padEnd(11)} ${r.id} ${versionText(r)}`;
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
  const sql = connectDb(url, 'modules:publish');
  try {
    const results = await publishModules(sql, modules);
    for (const r of results) {
      if (r.outcome !== 'unchanged') log(`module ${r.id} ${versionText(r)}: ${r.outcome}`);
    }
    return results;
  } finally {
    await sql.end();
  }
}

/** A refusal as lines a person reads: the database's message, then one line per reason. */
export function describeRefusal(error: PublishError): string[] {
  return [error.message, ...error.reasons.map((r) => `  ${describeReason(r)}`)];
}

/** A literal for SQL text: single quotes doubled. */
function literal(value: string | null): string {
  return value === null ? 'null' : `'${value.replaceAll("'", "''")}'`;
}

/** A jsonb literal for SQL text; `null` stays SQL null. */
function jsonLiteral(value: unknown): string {
  return value === null ? 'null' : `${literal(JSON.stringify(value, null, 2))}::jsonb`;
}

/**
 * The catalog part of `supabase/seed.sql` for `modules`: the same upserts `publishModules` runs,
 * as SQL the Supabase CLI loads after `supabase start` or `supabase db reset`. Required modules
 * come first, so that each statement holds on its own.
 */
export function seedSql(modules: ModuleManifest[]): string {
  const lines = [
    '-- The catalog of modules the product ships, generated from supabase/modules/*.json by',
    '-- `deno task modules:publish --seed`; do not edit by hand (a test checks it is in step).',
    '-- Idempotent: refreshes name, description, version, settings schema, requires, migrations and',
    '-- owned tables, never is_active. Required modules come before the modules that require them.',
  ];
  for (const m of requirementsFirst(modules)) {
    const values = [
      literal(m.id),
      literal(m.name),
      literal(m.description),
      literal(m.version),
      jsonLiteral(m.settings_schema),
      jsonLiteral(m.requires),
      jsonLiteral(m.migrations),
      `array[${m.owned_tables.map(literal).join(', ')}]::text[]`,
    ];
    lines.push('', `${upsertSql(values)};`);
  }
  return `${lines.join('\n')}\n`;
}

/** The seed file the Supabase CLI loads. */
export const SEED_FILE = `${ROOT}/supabase/seed.sql`;

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
  const sql = connectDb(url, 'modules:publish');
  try {
    const results = await publishModules(sql, modules, { dryRun: values['dry-run'] });
    for (const r of results) console.log(publishedLine(r));
    if (values['dry-run']) console.log('(dry run: nothing was written)');
    return 0;
  } catch (error) {
    if (error instanceof PublishError) {
      const [first, ...rest] = describeRefusal(error);
      console.error(`refused, nothing published: ${first}`);
      for (const line of rest) console.error(line);
      return 1;
    }
    throw connectionProblem(error, url) ?? error;
  } finally {
    await sql.end();
  }
}

if (import.meta.main) await runCommand(main);

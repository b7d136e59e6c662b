/**
 * The stack's database: a cluster with the project's pending migrations applied by the real CLI
 * (`supabase migration up`) and, when the database is new, its seed files loaded; and
 * `db reset`, which rebuilds it from migrations and seed as `supabase db reset` does.
 */
import postgres from 'postgres';
import { describeRefusal, PublishError, publishProject } from '../modules/publish.ts';
import { bootstrap, databaseUrl, LocalPostgres } from './postgres.ts';
import { StackError, type Watchdog } from './process.ts';
import { ROOT, seedFiles, supabaseCli } from './project.ts';

export interface DatabaseOptions {
  /** Folder holding the cluster (`<dir>/postgres`). */
  dir: string;
  dbPort: number;
  /** The folder holding `supabase/` (default: this repository). */
  project?: string;
  fast?: boolean;
  /** Load the seed files into a new database (default true). */
  seed?: boolean;
  /** Keep the cluster when the start fails (a kept dev cluster); otherwise it is deleted. */
  keep?: boolean;
  watchdog?: Watchdog;
  log?: (line: string) => void;
}

export interface MigrateOptions {
  /**
   * Apply only the migrations up to and including this version (the timestamp that starts the
   * file's name, e.g. `20261125200000`), as `supabase db reset --version` does: the database as
   * an earlier commit had it. A version no migration file has is an error.
   */
  until?: string;
}

/** Applies the project's pending migrations to the database at `url` with the real CLI. */
export async function migrate(
  url: string,
  project = ROOT,
  options: MigrateOptions = {},
): Promise<void> {
  const workdir = options.until ? await migrationsUntil(project, options.until) : project;
  try {
    await supabaseCli(['migration', 'up', '--include-all', `--remote=${url}`, '--yes'], workdir);
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ').replace(url, '<db url>');
    throw new StackError(
      `${message} — if the database has migrations this checkout does not (another branch), ` +
        '`npm run db:reset` rebuilds it from supabase/migrations.',
    );
  } finally {
    if (workdir !== project) await Deno.remove(workdir, { recursive: true }).catch(() => {});
  }
}

/**
 * A temporary copy of the project's `supabase/config.toml` and of its migrations up to and
 * including `until`, for the CLI (whose `migration up` has no such option).
 */
async function migrationsUntil(project: string, until: string): Promise<string> {
  const from = `${project}/supabase/migrations`;
  const files = [...Deno.readDirSync(from)]
    .filter((e) => e.isFile && /^\d+_.*\.sql$/.test(e.name))
    .map((e) => e.name)
    .sort();
  const version = (name: string) => name.slice(0, name.indexOf('_'));
  if (!files.some((name) => version(name) === until)) {
    throw new StackError(`no migration in supabase/migrations has the version ${until}`);
  }
  const workdir = await Deno.makeTempDir({ prefix: 'migrations-until-' });
  await Deno.mkdir(`${workdir}/supabase/migrations`, { recursive: true });
  await Deno.copyFile(`${project}/supabase/config.toml`, `${workdir}/supabase/config.toml`);
  for (const name of files.filter((name) => version(name) <= until)) {
    await Deno.copyFile(`${from}/${name}`, `${workdir}/supabase/migrations/${name}`);
  }
  return workdir;
}

/** Loads the project's seed files (config.toml's `[db.seed] sql_paths`) in order. */
export async function seed(
  url: string,
  project = ROOT,
  log: (line: string) => void = () => {},
): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const file of await seedFiles(project)) {
      log(`loading ${file.slice(project.length + 1)}…`);
      await sql.unsafe(await Deno.readTextFile(file)).simple();
    }
  } finally {
    await sql.end();
  }
}

/**
 * Publishes the project's module files (`supabase/modules/*.json`) to the catalog; a refusal by
 * the database becomes a {@link StackError} naming the reasons.
 */
export async function publishModuleFiles(
  url: string,
  project = ROOT,
  log: (line: string) => void = () => {},
): Promise<void> {
  try {
    await publishProject(url, project, log);
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    throw new StackError(
      `supabase/modules could not be published: ${describeRefusal(error).join('\n')}`,
    );
  }
}

/**
 * Starts the cluster in `<dir>/postgres` (created if missing), applies pending migrations, seeds
 * the database if it is new, and publishes the module files. The caller stops it.
 */
export async function startDatabase(options: DatabaseOptions): Promise<LocalPostgres> {
  const log = options.log ?? (() => {});
  const project = options.project ?? ROOT;
  log('starting PostgreSQL…');
  const db = await LocalPostgres.start({
    dir: `${options.dir}/postgres`,
    port: options.dbPort,
    fast: options.fast,
    watchdog: options.watchdog,
    log,
  });
  try {
    log('applying pending migrations…');
    await migrate(db.url, project);
    if (db.created && (options.seed ?? true)) await seed(db.url, project, log);
    if (options.seed ?? true) await publishModuleFiles(db.url, project, log);
    return db;
  } catch (error) {
    await db.stop({ remove: !options.keep });
    throw error;
  }
}

/**
 * Rebuilds the `postgres` database of the server at `url` from the migrations and seed files, as
 * `supabase db reset`: a new database is built beside it (bootstrap, migrations, seed), then the
 * old one is dropped, its connections terminated, and the new one takes its name. If building
 * fails, the old database is left as it was.
 */
export async function resetDatabase(
  url: string,
  project = ROOT,
  log: (line: string) => void = () => {},
): Promise<void> {
  const building = 'stack_reset';
  const admin = postgres(databaseUrl(url, 'template1'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${building} with (force)`);
    await admin.unsafe(`create database ${building}`);
    const buildUrl = databaseUrl(url, building);
    try {
      await bootstrap(buildUrl);
      log('applying migrations…');
      await migrate(buildUrl, project);
      await seed(buildUrl, project, log);
      await publishModuleFiles(buildUrl, project, log);
    } catch (error) {
      await admin.unsafe(`drop database if exists ${building} with (force)`).catch(() => {});
      throw error;
    }
    log('replacing the database…');
    await admin.unsafe('drop database postgres with (force)');
    await admin.unsafe(`alter database ${building} rename to postgres`);
  } finally {
    await admin.end();
  }
}

/**
 * Makes the PostgREST behind `apiUrl` reload its schema cache and waits until it serves every
 * table and view of `public` (it reconnects by itself after a reset, with a backoff).
 */
export async function reloadSchemaCache(
  url: string,
  apiUrl: string,
  serviceRoleKey: string,
  timeoutMs = 60_000,
): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const relations = await sql<{ name: string }[]>`
      select relname as name from pg_catalog.pg_class
      where relnamespace = 'public'::regnamespace and relkind in ('r', 'v', 'm', 'f', 'p')`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sql`notify pgrst, 'reload schema'`;
      const served = await fetch(`${apiUrl}/rest/v1/`, {
        headers: { apikey: serviceRoleKey },
        signal: AbortSignal.timeout(5_000),
      }).then(async (res) => res.ok ? Object.keys((await res.json()).paths ?? {}) : undefined)
        .catch(() => undefined);
      if (served && relations.every(({ name }) => served.includes(`/${name}`))) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await sql.end();
  }
  throw new StackError(
    `PostgREST at ${apiUrl} did not load the new schema within ${timeoutMs / 1000}s: ` +
      'restart `npm run dev`.',
  );
}

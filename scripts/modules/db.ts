/**
 * What `modules:publish` and `modules:upgrade` share: the database they talk to (`--db-url`, else
 * `$SUPABASE_DB_URL`, else the local stack), one connection that says so in one line when it
 * cannot reach it, and the database's refusals as lines a person reads.
 */
import postgres from 'postgres';
import { ManifestError } from './manifest.ts';

/** A failure the command explains in one line (`error: …`, exit code 1). */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** `$SUPABASE_DB_URL`, else the local stack's database (`DB_PORT`, default 54322). */
export function defaultDbUrl(): string {
  const fromEnv = Deno.env.get('SUPABASE_DB_URL');
  if (fromEnv) return fromEnv;
  const port = Deno.env.get('DB_PORT') || '54322';
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/** The connection string without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/:[^:@/]*@/, ':***@');
}

/** One connection to `url`, named `application` in `pg_stat_activity`. */
export function connectDb(url: string, application: string): postgres.Sql {
  return postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: application },
  });
}

/**
 * The one-line explanation of an error that means the database at `url` cannot be used at all
 * (not reachable, wrong password, no such database); undefined for any other error.
 */
export function connectionProblem(error: unknown, url: string): CommandError | undefined {
  const code = (error as { code?: string }).code;
  const where = `the database at ${redact(url)}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'CONNECT_TIMEOUT') {
    return new CommandError(
      `cannot reach ${where}: start the stack (npm run dev) or pass --db-url.`,
    );
  }
  if (code === '28P01' || code === '28000' || code === '3D000') {
    return new CommandError(`${where} refused the connection: ${(error as Error).message}`);
  }
  return undefined;
}

/** The reasons the database gave (the DETAIL of its error, a JSON array), if any. */
export function reasons(detail: string | undefined): unknown[] {
  try {
    const parsed = JSON.parse(detail ?? '');
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * One reason as a line: `path: message`; a tenant and its settings' errors; a requirement and
 * what the tenant has of it; a module that requires another; a range nothing published satisfies.
 */
export function describeReason(reason: unknown): string {
  const r = reason as Record<string, unknown>;
  if (typeof r.tenant_id === 'string') {
    const errors = Array.isArray(r.errors) ? r.errors : [];
    return `tenant ${r.tenant_id}: ${errors.map(describeReason).join('; ')}`;
  }
  if (typeof r.path === 'string') return `${r.path}: ${r.message}`;
  if (typeof r.module_id === 'string' && typeof r.range === 'string') {
    if ('installed_version' in r) {
      const has = r.installed_version === null
        ? 'not installed'
        : r.enabled
        ? `installed ${r.installed_version}`
        : 'disabled';
      return `${r.module_id} ${r.range}: ${has}`;
    }
    if ('version' in r) return `${r.module_id} ${r.version} requires ${r.range}`;
    return `${r.module_id} ${r.range}: no published version satisfies it`;
  }
  return JSON.stringify(reason);
}

/**
 * Runs a command's `main` and exits with its code; a {@link CommandError} or a module file that
 * cannot be read ({@link ManifestError}) or a bad option is said as `error: …`, exit code 1.
 */
export async function runCommand(main: () => Promise<number>): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (error) {
    const usage = String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
    if (!(usage || error instanceof CommandError || error instanceof ManifestError)) throw error;
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

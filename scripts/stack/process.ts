/**
 * Child-process helpers for the local stack: start a server with its output appended to a log
 * file, wait for it to answer, and stop it without leaving anything behind.
 */

/** A server process the stack started and owns. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number>;
  /** Sends `signal`, waits up to `graceMs`, then kills it. */
  stop(signal?: Deno.Signal, graceMs?: number): Promise<void>;
}

/** Thrown for problems that deserve a one-line explanation instead of a stack trace. */
export class StackError extends Error {
  override name = 'StackError';
}

/**
 * Starts `cmd` with stdout and stderr appended to `logFile`. The program is exec'd by `sh`, so
 * the returned pid is the server's own and signals reach it directly.
 */
export function spawn(
  name: string,
  cmd: string[],
  logFile: string,
  env: Record<string, string> = {},
  options: { lifeline?: boolean } = {},
): Child {
  const child = new Deno.Command('sh', {
    args: ['-c', 'exec "$@" >>"$STACK_LOG_FILE" 2>&1', 'sh', ...cmd],
    env: { ...env, STACK_LOG_FILE: logFile },
    // A lifeline is a stdin pipe we never write to: the child sees EOF when we die, however we die.
    stdin: options.lifeline ? 'piped' : 'null',
    stdout: 'null',
    stderr: 'null',
  }).spawn();
  const exited = child.status.then((s) => s.code);
  let done = false;
  exited.then(() => (done = true));
  return {
    name,
    pid: child.pid,
    logFile,
    exited,
    async stop(signal: Deno.Signal = 'SIGTERM', graceMs = 10_000) {
      if (done) return;
      try {
        child.kill(signal);
      } catch {
        return;
      }
      const timer = new Promise<'timeout'>((r) => {
        const id = setTimeout(() => r('timeout'), graceMs);
        exited.finally(() => clearTimeout(id));
      });
      if ((await Promise.race([exited, timer])) === 'timeout') {
        try {
          child.kill('SIGKILL');
        } catch { /* already gone */ }
        await exited;
      }
    },
  };
}

/** Polls `probe` until it returns true, the child exits, or `timeoutMs` passes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  child?: Child,
  timeoutMs = 30_000,
): Promise<void> {
  let exitCode: number | undefined;
  child?.exited.then((c) => (exitCode = c));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new StackError(
        `${what} exited with code ${exitCode} while starting: ${await tail(child!.logFile)}`,
      );
    }
    try {
      if (await probe()) return;
    } catch { /* not ready yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new StackError(`${what} did not become ready within ${timeoutMs / 1000}s`);
}

/** The last lines of a log file, joined for an error message. */
export async function tail(file: string, lines = 5): Promise<string> {
  try {
    const text = await Deno.readTextFile(file);
    return text.trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** Runs a command to completion and returns its stdout; throws with its stderr on failure. */
export async function run(
  cmd: string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<string> {
  const command = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env: options.env,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? 'null' : 'piped',
    stdout: 'piped',
    stderr: 'piped',
  });
  const child = command.spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new StackError(`${cmd.join(' ')} failed (exit ${out.code}): ${stderr || stdout.trim()}`);
  }
  return stdout;
}

/** True when something already listens on `port` at 127.0.0.1. */
export async function portInUse(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: '127.0.0.1', port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Finds an executable on PATH (or on `searchPath`, a PATH-like list of folders). */
export function which(name: string, searchPath = Deno.env.get('PATH') ?? ''): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const file = `${dir}/${name}`;
    try {
      const info = Deno.statSync(file);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111)) return file;
    } catch { /* not here */ }
  }
  return undefined;
}

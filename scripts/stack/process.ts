/**
 * Child-process helpers for the local stack: start a server with its output appended to a log
 * file, wait for it to answer, and stop it without leaving anything behind, even when the process
 * that started it is killed (see `Watchdog`).
 */
import process from 'node:process';

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
  options: {
    lifeline?: boolean;
    /** Stops the process with `stopSignal` (default SIGTERM) if the stack's owner dies. */
    watchdog?: Watchdog;
    stopSignal?: Deno.Signal;
  } = {},
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
  options.watchdog?.watch(child.pid, options.stopSignal ?? 'SIGTERM');
  exited.then(() => {
    done = true;
    options.watchdog?.forget(child.pid);
  });
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
  const last = await lastLines(file, lines);
  return last.length ? last.join(' | ') : '(no log)';
}

/** The last `count` non-empty lines of a log file, from byte `from` on (default: all of it). */
export async function lastLines(file: string, count: number, from = 0): Promise<string[]> {
  try {
    const bytes = await Deno.readFile(file);
    const text = new TextDecoder().decode(bytes.subarray(from));
    return text.split('\n').filter((l) => l.trim() !== '').slice(-count);
  } catch {
    return [];
  }
}

/** The size of a file, 0 when it does not exist. */
export function fileSize(file: string): number {
  try {
    return Deno.statSync(file).size;
  } catch {
    return 0;
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

/**
 * One `sh` process per stack (scripts/stack/watchdog.sh) holding a pipe from the process that owns
 * the stack: when that process dies, however it dies (SIGKILL too), the pipe closes and the
 * watchdog signals the servers it was told about. Plain POSIX: works on Linux and macOS, where
 * there is no parent-death signal.
 */
export class Watchdog {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #queue: Promise<void> = Promise.resolve();

  constructor() {
    this.#child = new Deno.Command('sh', {
      args: [new URL('./watchdog.sh', import.meta.url).pathname],
      stdin: 'piped',
      stdout: 'null',
      stderr: 'null',
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** At the owner's death, `pid` gets `signal`. */
  watch(pid: number, signal: Deno.Signal): void {
    this.#send(`watch ${pid} ${signal.replace(/^SIG/, '')}`);
  }

  /** `pid` has ended or was stopped by its owner. */
  forget(pid: number): void {
    this.#send(`forget ${pid}`);
  }

  /** The owner stopped everything itself: the watchdog exits without signalling anyone. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#writer.close().catch(() => {});
    await this.#child.status;
  }

  #send(line: string): void {
    const bytes = new TextEncoder().encode(`${line}\n`);
    this.#queue = this.#queue.then(() => this.#writer.write(bytes)).catch(() => {});
  }
}

/** True while `pid` exists (a process of another user counts). */
export function isAlive(pid: number): boolean {
  try {
    return process.kill(pid, 0);
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** The command line of a running process (`ps -o args=`), or undefined when there is none. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await run(['ps', '-ww', '-o', 'args=', '-p', String(pid)])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops a process the stack does not own as a child (a leftover of an earlier run): `signal`,
 * up to `graceMs` for it to end, then SIGKILL. Returns false when it may not be signalled.
 */
export async function stopProcess(
  pid: number,
  signal: Deno.Signal,
  graceMs = 15_000,
): Promise<boolean> {
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        Deno.kill(pid, 'SIGKILL');
      } catch { /* gone meanwhile */ }
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Calls `onLost` once when the process that started this one lets go of it. With
 * `STACK_LIFELINE=stdin` (set by scripts/npm-run.mjs), standard input is a pipe from that process
 * that is never written to: end of file means it has died, even by SIGKILL. Call it before starting
 * children, which must not inherit the variable.
 */
export function onLifelineLost(onLost: () => void): void {
  if (Deno.env.get('STACK_LIFELINE') !== 'stdin') return;
  Deno.env.delete('STACK_LIFELINE'); // this process's children have other standard inputs
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* never written to */ }
    } catch { /* closed */ }
    onLost();
  })();
}

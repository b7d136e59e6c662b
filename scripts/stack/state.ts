/**
 * What a stack leaves in its folder so that the next start, or `db:reset`, can find it: the lock of
 * the dev stack's state folder, and `stack.json`, the servers a running stack started. A start
 * stops the servers a crashed run left behind (named with their pid in one line each).
 */
import { commandLine, isAlive, StackError, stopProcess } from './process.ts';

/** A server the stack started, and how to recognise it in `ps` after a crash. */
export interface StackProcess {
  name: string;
  pid: number;
  /** Text its command line contains, unique to this stack (a data folder, a config file). */
  marker: string;
  /** The signal that shuts it down cleanly. */
  signal: Deno.Signal;
}

/** `<dir>/stack.json`, written by a running stack. */
export interface StackState {
  /** Pid of the process that started the stack. */
  owner: number;
  /** The folder holding the `supabase/` it runs. */
  project: string;
  apiUrl: string;
  dbUrl: string;
  processes: StackProcess[];
}

const stateFile = (dir: string) => `${dir}/stack.json`;

export async function writeState(dir: string, state: StackState): Promise<void> {
  const temp = `${stateFile(dir)}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await Deno.rename(temp, stateFile(dir));
}

export async function readState(dir: string): Promise<StackState | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(stateFile(dir))) as StackState;
  } catch {
    return undefined;
  }
}

export async function removeState(dir: string): Promise<void> {
  await Deno.remove(stateFile(dir)).catch(() => {});
}

/**
 * Stops the servers an earlier stack in `dir` left running (it crashed, or was killed with its
 * watchdog), each reported in one line; one that cannot be stopped is a StackError naming its pid.
 */
export async function stopLeftovers(dir: string, log: (line: string) => void): Promise<void> {
  const state = await readState(dir);
  if (!state) return;
  for (const { name, pid, marker, signal } of state.processes) {
    if (!isAlive(pid) || !(await commandLine(pid))?.includes(marker)) continue;
    if (!(await stopProcess(pid, signal))) {
      throw new StackError(
        `${name} (pid ${pid}) left by an earlier run cannot be stopped from here: ` +
          `stop it (kill ${pid}) and start again.`,
      );
    }
    log(`stopped a leftover ${name} (pid ${pid}) that an earlier run did not stop`);
  }
  await removeState(dir);
}

/** The lock of a state folder: who holds it and for what (`dev`, `db:reset`). */
interface Lock {
  pid: number;
  task: string;
}

const lockFile = (stateDir: string) => `${stateDir}/dev.pid`;
const SCRIPTS: Record<string, string> = { dev: 'dev.ts', 'db:reset': 'db-reset.ts' };

/** The live holder of the lock, if any (a pid reused by another program does not count). */
export async function lockHolder(stateDir: string): Promise<Lock | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(lockFile(stateDir));
  } catch {
    return undefined;
  }
  const [pidText, task = 'dev'] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!pid || pid === Deno.pid || !isAlive(pid)) return undefined;
  const cmd = await commandLine(pid);
  if (cmd && SCRIPTS[task] && !cmd.includes(SCRIPTS[task])) return undefined;
  return { pid, task };
}

/** Takes the lock of `stateDir` for `task`, or explains in one line who holds it. */
export async function takeLock(stateDir: string, task: string): Promise<void> {
  await Deno.mkdir(stateDir, { recursive: true });
  const holder = await lockHolder(stateDir);
  if (holder?.task === 'dev') {
    throw new StackError(
      `the local stack is already running (pid ${holder.pid}): stop it with Ctrl-C in its ` +
        `terminal or \`kill ${holder.pid}\`.`,
    );
  }
  if (holder) {
    throw new StackError(
      `\`${holder.task}\` is running on ${stateDir} (pid ${holder.pid}): wait for it to finish.`,
    );
  }
  await Deno.writeTextFile(lockFile(stateDir), `${Deno.pid} ${task}\n`);
}

export async function releaseLock(stateDir: string): Promise<void> {
  const text = await Deno.readTextFile(lockFile(stateDir)).catch(() => '');
  if (Number(text.trim().split(/\s+/)[0]) === Deno.pid) {
    await Deno.remove(lockFile(stateDir)).catch(() => {});
  }
}

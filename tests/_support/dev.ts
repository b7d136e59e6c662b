/**
 * Drives `deno task dev` (or `npm run dev`) as a developer does, in a process group of its own so
 * that a test can signal the whole tree as a terminal would, and check that nothing is left.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';

export const DEV = `${ROOT}/scripts/dev.ts`;

export interface DevProcess {
  /** Pid of the first process: `deno … dev.ts`, or `npm` with `npm: true`. */
  pid: number;
  /** Process group id: `setsid` makes the dev stack a group leader, as a terminal job is. */
  pgid: number;
  output: () => string;
  exited: Promise<Deno.CommandStatus>;
}

/** Starts the dev stack with `env` added to this process's environment. */
export function startDev(env: Record<string, string>, options: { npm?: boolean } = {}): DevProcess {
  const cmd = options.npm
    ? ['npm', 'run', 'dev']
    : [Deno.execPath(), 'run', '--allow-all', '--config', `${ROOT}/deno.json`, DEV];
  const child = new Deno.Command('setsid', {
    args: cmd,
    cwd: ROOT,
    env,
    stdin: 'null',
    stdout: 'piped',
    stderr: 'piped',
  }).spawn();
  let text = '';
  const decoder = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += decoder.decode(chunk, { stream: true });
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = pumped.then(() => child.status);
  return { pid: child.pid, pgid: child.pid, output: () => text, exited };
}

/** Waits until the output, from character `after` on, matches `pattern`; returns the match. */
export async function waitFor(
  dev: DevProcess,
  pattern: RegExp,
  options: { after?: number; ms?: number } = {},
): Promise<RegExpExecArray> {
  const deadline = Date.now() + (options.ms ?? 120_000);
  let exited = false;
  dev.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    const match = pattern.exec(dev.output().slice(options.after ?? 0));
    if (match) return match;
    if (exited) throw new Error(`dev exited early:\n${dev.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern}:\n${dev.output()}`);
}

/** Processes still in the process group, as `<pid> <command line>`. */
export async function groupMembers(pgid: number): Promise<string[]> {
  const out = await new Deno.Command('ps', { args: ['-eo', 'pid=,pgid=,args='] }).output();
  return new TextDecoder().decode(out.stdout).split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, g]) => Number(g) === pgid)
    .map(([pid, , ...args]) => `${pid} ${args.join(' ')}`);
}

/** Waits (up to `ms`) until no process of the group is left; fails naming those that are. */
export async function assertGroupGone(pgid: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let left = await groupMembers(pgid);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = await groupMembers(pgid);
  }
  assert.deepEqual(left, [], 'no process of the stack is left');
}

/** Fails unless nothing listens on any of `ports` at 127.0.0.1. */
export async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    let conn: Deno.Conn | undefined;
    try {
      conn = await Deno.connect({ hostname: '127.0.0.1', port });
    } catch { /* closed, as expected */ }
    conn?.close();
    assert.ok(!conn, `port ${port} is still in use`);
  }
}

/** Kills what is left of a dev stack (after a failed test) and waits for its output to end. */
export async function killGroup(dev: DevProcess): Promise<void> {
  try {
    Deno.kill(-dev.pgid, 'SIGKILL');
  } catch { /* already gone */ }
  await dev.exited;
}

/**
 * Where the dev cluster of a state folder lives: `<state>/dev/postgres`, or the folder its
 * CLUSTER_LOCATION names when the postgres OS user cannot reach the state folder.
 */
export async function clusterDir(state: string): Promise<string> {
  const dir = `${state}/dev/postgres`;
  const moved = await Deno.readTextFile(`${dir}/CLUSTER_LOCATION`).catch(() => '');
  return moved.trim() || dir;
}

/** Deletes a state folder and the dev cluster it holds, wherever that lives. */
export async function removeStateDir(state: string): Promise<void> {
  await Deno.remove(await clusterDir(state), { recursive: true }).catch(() => {});
  await Deno.remove(state, { recursive: true }).catch(() => {});
}

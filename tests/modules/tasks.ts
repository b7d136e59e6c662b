/**
 * Module tasks run as a user runs them: a script of scripts/modules in a process of its own,
 * against the test stack's database.
 */
import { stack } from '../_support/env.ts';

const SCRIPTS = new URL('../../scripts/modules/', import.meta.url).pathname;

/**
 * The command line of a module task's script (`publish`, `upgrade`), aimed at the test stack's
 * database unless `args` name another `--db-url` (the last one counts).
 */
function taskCommand(script: 'publish' | 'upgrade', args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ['run', '--allow-all', `${SCRIPTS}${script}.ts`, '--db-url', stack.dbUrl, ...args],
    env: { NO_COLOR: '1' },
    stdin: 'null',
    stdout: 'piped',
    stderr: 'piped',
  });
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs a module task to its end; returns its exit code and output. */
export async function runTask(script: 'publish' | 'upgrade', ...args: string[]) {
  const out = await taskCommand(script, args).output();
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** A module task running in the background, its output collected as it comes. */
export interface RunningTask {
  child: Deno.ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process ended and its output is read. */
  done: Promise<number>;
  /** Waits until stderr matches `pattern` (or fails when the task ends or time runs out). */
  waitForStderr(pattern: RegExp, ms?: number): Promise<void>;
}

/** Starts a module task without waiting for it. */
export function startTask(script: 'publish' | 'upgrade', ...args: string[]): RunningTask {
  const child = taskCommand(script, args).spawn();
  const text = { stdout: '', stderr: '' };
  const pump = async (name: 'stdout' | 'stderr', from: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of from) text[name] += decoder.decode(chunk, { stream: true });
  };
  const done = Promise.all([pump('stdout', child.stdout), pump('stderr', child.stderr)])
    .then(() => child.status).then((s) => s.code);
  let ended = false;
  done.finally(() => (ended = true));
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    done,
    async waitForStderr(pattern, ms = 60_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(text.stderr)) {
        if (ended) throw new Error(`the task ended before ${pattern}:\n${text.stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/**
 * `deno task dev` as a developer meets it: the five lines, a working API, one-line refusals, and
 * Ctrl-C leaving no process behind. Runs a second stack of its own on free ports.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';
import { freePort } from '../../scripts/stack/process.ts';

const DEV = `${ROOT}/scripts/dev.ts`;

interface DevProcess {
  child: Deno.ChildProcess;
  /** Process group id: `setsid` makes the dev stack a group leader, as a terminal job is. */
  pgid: number;
  output: () => string;
  exited: Promise<Deno.CommandStatus>;
}

function startDev(env: Record<string, string>): DevProcess {
  const child = new Deno.Command('setsid', {
    args: [Deno.execPath(), 'run', '--allow-all', '--config', `${ROOT}/deno.json`, DEV],
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
  return { child, pgid: child.pid, output: () => text, exited };
}

async function waitFor(dev: DevProcess, pattern: RegExp, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  dev.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (pattern.test(dev.output())) return;
    if (exited) throw new Error(`dev exited early:\n${dev.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern}:\n${dev.output()}`);
}

/** Pids still in the process group (the dev stack, postgres and its backends, postgrest, …). */
async function groupMembers(pgid: number): Promise<string[]> {
  const out = await new Deno.Command('ps', { args: ['-eo', 'pid=,pgid=,comm='] }).output();
  return new TextDecoder().decode(out.stdout).split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, g]) => Number(g) === pgid)
    .map(([pid, , comm]) => `${pid} ${comm}`);
}

/** Runs dev expecting it to refuse; returns its output. */
async function refused(env: Record<string, string>): Promise<string> {
  const dev = startDev(env);
  const status = await dev.exited;
  assert.deepEqual(status.code, 1, dev.output());
  return dev.output().trim();
}

Deno.test('dev stack prints its coordinates, serves the API and stops cleanly on Ctrl-C', async () => {
  const state = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
  const apiPort = freePort();
  const dbPort = freePort();
  const env = { STACK_STATE_DIR: state, API_PORT: String(apiPort), DB_PORT: String(dbPort) };
  const dev = startDev(env);
  try {
    await waitFor(dev, /^JWT secret: .+$/m);
    const out = dev.output();
    assert.match(out, new RegExp(`^API URL: http://127\\.0\\.0\\.1:${apiPort}$`, 'm'));
    assert.match(
      out,
      new RegExp(
        `^DB URL: postgresql://postgres:postgres@127\\.0\\.0\\.1:${dbPort}/postgres$`,
        'm',
      ),
    );
    assert.match(out, /^anon key: eyJ[\w.-]+$/m);
    assert.match(out, /^service_role key: eyJ[\w.-]+$/m);
    assert.match(out, /^JWT secret: super-secret-jwt-token-with-at-least-32-characters-long$/m);
    const anonKey = /^anon key: (\S+)$/m.exec(out)![1];

    const rest = await fetch(`http://127.0.0.1:${apiPort}/rest/v1/`, {
      headers: { apikey: anonKey },
    });
    assert.deepEqual(rest.status, 200);
    await rest.body?.cancel();
    const fn = await fetch(`http://127.0.0.1:${apiPort}/functions/v1/modules`);
    assert.deepEqual(fn.status, 401);
    await fn.body?.cancel();

    // A second start while this one runs: one line, no stack trace.
    const second = await refused({
      ...env,
      API_PORT: String(freePort()),
      DB_PORT: String(freePort()),
    });
    assert.deepEqual(second.split('\n').length, 1, second);
    assert.match(second, /already running/);

    assert.ok((await groupMembers(dev.pgid)).length >= 3, 'postgres, postgrest and a function run');

    // Ctrl-C: the terminal signals the whole foreground process group.
    Deno.kill(-dev.pgid, 'SIGINT');
    const status = await dev.exited;
    assert.deepEqual(status.code, 0, dev.output());
    assert.match(dev.output(), /Stopped\./);
    assert.deepEqual(await groupMembers(dev.pgid), [], 'no process of the stack is left');
    for (const port of [apiPort, dbPort]) {
      await assertRejects(() => Deno.connect({ hostname: '127.0.0.1', port }));
    }
  } finally {
    try {
      Deno.kill(-dev.pgid, 'SIGKILL');
    } catch { /* already gone */ }
    await dev.exited;
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
});

Deno.test('dev stack refuses a port already taken in one line', async () => {
  const state = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
  const listener = Deno.listen({ hostname: '127.0.0.1', port: 0 });
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const out = await refused({
      STACK_STATE_DIR: state,
      API_PORT: String(port),
      DB_PORT: String(freePort()),
    });
    assert.deepEqual(out.split('\n').length, 1, out);
    assert.match(out, new RegExp(`^error: port ${port} \\(API\\) is already in use`));
  } finally {
    listener.close();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
});

/** Runs dev with `env` added, expecting a one-line refusal before anything starts; returns it. */
async function refusedBeforeStart(env: Record<string, string>): Promise<string> {
  const state = await Deno.makeTempDir({ dir: `${ROOT}/.stack`, prefix: 'devtest-' });
  try {
    const out = await refused({
      STACK_STATE_DIR: state,
      API_PORT: String(freePort()),
      DB_PORT: String(freePort()),
      ...env,
    });
    assert.deepEqual(out.split('\n').length, 1, out);
    await assert.rejects(() => Deno.stat(`${state}/dev`), Deno.errors.NotFound, 'nothing started');
    return out;
  } finally {
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}

Deno.test('dev stack explains a missing PostgreSQL install in one line', async () => {
  const out = await refusedBeforeStart({ PG_BIN: '/nonexistent/postgresql/bin' });
  assert.match(out, /^error: .*PostgreSQL.*install PostgreSQL 15/);
});

Deno.test('dev stack explains an unusable PostgREST in one line before starting anything', async () => {
  const out = await refusedBeforeStart({ POSTGREST_BIN: '/nonexistent/postgrest' });
  assert.match(out, /^error: POSTGREST_BIN=\/nonexistent\/postgrest cannot be run/);
});

async function assertRejects(fn: () => Promise<unknown>): Promise<void> {
  let threw = false;
  try {
    const conn = await fn();
    (conn as Deno.Conn).close();
  } catch {
    threw = true;
  }
  assert.ok(threw, 'expected the port to be closed');
}

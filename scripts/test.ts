/**
 * `deno task test`: starts a fresh local stack on free ports (so it can run beside `deno task dev`),
 * then checks, in order:
 *   1. the migrations apply with `supabase migration up` (part of the stack's start),
 *   2. `supabase db advisors` reports nothing,
 *   3. the committed generated types match a fresh `supabase gen types`,
 *   4. the pgTAP suite in supabase/tests passes under pg_prove,
 *   5. the Deno tests in tests/ pass against the stack over HTTP.
 * Arguments after `--` go to `deno test` (e.g. `deno task test -- --filter merge`).
 * Ends with one line `test: N passed, N failed` and exits non-zero on any failure.
 */
import { ROOT, type Stack, StackError, startStack, supabaseCli } from './stack/mod.ts';
import { onLifelineLost, which } from './stack/process.ts';
import { typesDrift } from './gen-types.ts';
import { type Finding, judgeFindings } from './stack/advisors.ts';

interface Tally {
  passed: number;
  failed: number;
}

const tally: Tally = { passed: 0, failed: 0 };
const failures: string[] = [];

function record(name: string, passed: number, failed: number, why?: string): void {
  tally.passed += passed;
  tally.failed += failed;
  if (failed > 0) failures.push(why ? `${name}: ${why}` : name);
  console.log(`\n${failed > 0 ? '✗' : '✓'} ${name}${why ? ` — ${why}` : ''}`);
}

/** Runs a command with its output shown live, and returns that output for counting. */
async function stream(cmd: string[], env: Record<string, string>): Promise<[boolean, string]> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    cwd: ROOT,
    stdin: 'null',
    stdout: 'piped',
    stderr: 'piped',
  }).spawn();
  let text = '';
  const pump = async (
    from: ReadableStream<Uint8Array>,
    to: { write(b: Uint8Array): Promise<number> },
  ) => {
    const decoder = new TextDecoder();
    for await (const chunk of from) {
      text += decoder.decode(chunk, { stream: true });
      await to.write(chunk);
    }
  };
  await Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
  const status = await child.status;
  return [status.success, text];
}

async function advisors(stack: Stack): Promise<void> {
  const name = 'supabase db advisors: nothing about the registry, no error or warning anywhere';
  let findings: Finding[];
  try {
    const out = await supabaseCli([
      'db',
      'advisors',
      `--remote=${stack.dbUrl}`,
      '--type',
      'all',
      '--level',
      'info',
      '--output-format',
      'json',
    ]);
    findings = (JSON.parse(out) as { results?: Finding[] }).results ?? [];
  } catch (error) {
    record(name, 0, 1, (error as Error).message);
    return;
  }
  const { failing, reported } = judgeFindings(findings);
  for (const f of failing) console.log(`  ${f.level} ${f.name}: ${f.detail}`);
  for (const f of reported) {
    console.log(`  (reported, not failing: your own table) ${f.level} ${f.name}: ${f.detail}`);
  }
  record(
    name,
    failing.length ? 0 : 1,
    failing.length ? 1 : 0,
    failing.length ? `${failing.length} finding(s)` : undefined,
  );
}

async function types(stack: Stack): Promise<void> {
  const drift = await typesDrift(stack.dbUrl).catch((e) => String(e.message));
  record('generated types match the schema', drift ? 0 : 1, drift ? 1 : 0, drift);
}

async function pgtap(stack: Stack): Promise<void> {
  const name = 'pgTAP suite (supabase/tests)';
  if (!which('pg_prove')) {
    record(
      name,
      0,
      1,
      'pg_prove not found: install pgTAP and pg_prove (Debian/Ubuntu: ' +
        'apt-get install postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl; ' +
        '`npm test` installs them itself when run as root on Debian).',
    );
    return;
  }
  const url = new URL(stack.dbUrl);
  const [ok, out] = await stream([
    'pg_prove',
    '--host',
    url.hostname,
    '--port',
    url.port,
    '--username',
    'postgres',
    '--dbname',
    'postgres',
    '--ext',
    '.sql',
    '--recurse',
    'supabase/tests',
  ], { PGPASSWORD: decodeURIComponent(url.password) });
  const total = Number(/Tests=(\d+)/.exec(out)?.[1] ?? 0);
  const failed = [...out.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  const broken = ok ? 0 : Math.max(failed, 1);
  record(name, total - failed, broken, ok ? undefined : 'see the pg_prove output above');
}

/** True for an argument naming a file or folder (not a flag, nor a flag's value such as a filter). */
function isPath(arg: string): boolean {
  if (arg.startsWith('-')) return false;
  try {
    Deno.statSync(`${ROOT}/${arg}`);
    return true;
  } catch {
    return false;
  }
}

async function denoTests(stack: Stack, args: string[]): Promise<void> {
  const [ok, out] = await stream([
    Deno.execPath(),
    'test',
    '--allow-all',
    '--config',
    `${ROOT}/deno.json`,
    ...args,
    // Without a path, `deno test` would also run scripts/test.ts (a `test.ts`) inside itself.
    ...(args.some(isPath) ? [] : ['tests/']),
  ], { ...stack.env(), STACK_SIGNING_KEYS: stack.signingKeysPath });
  const plain = out.replaceAll(String.fromCharCode(27), '').replace(/\[[0-9;]*m/g, '');
  const summary = /(ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/.exec(plain);
  const passed = Number(summary?.[2] ?? 0);
  const failed = Number(summary?.[3] ?? 0);
  record(
    'Deno tests (tests/)',
    passed,
    ok ? failed : Math.max(failed, 1),
    ok ? undefined : 'see above',
  );
}

async function main(): Promise<number> {
  const dir = `${ROOT}/.stack/test-${Deno.pid}`;
  let stop = () => Promise.resolve();
  onLifelineLost(() => stop().then(() => Deno.exit(143)));
  console.log('Starting a fresh local stack for the tests…');
  const started = Date.now();
  let stack: Stack;
  try {
    stack = await startStack({
      dir,
      fast: true,
      log: (l) => console.log(`  ${l}`),
      functionKeys: 'legacy',
    });
  } catch (error) {
    record('the stack starts and the migrations apply', 0, 1, (error as Error).message);
    return 1;
  }
  record(`the stack starts and the migrations apply (${Date.now() - started} ms)`, 1, 0);
  stop = () => stack.stop().then(() => Deno.remove(dir, { recursive: true }).catch(() => {}));
  Deno.addSignalListener('SIGINT', () => stop().then(() => Deno.exit(130)));
  Deno.addSignalListener('SIGTERM', () => stop().then(() => Deno.exit(143)));
  try {
    await advisors(stack);
    await types(stack);
    await pgtap(stack);
    // `deno task test -- tests/stack/` passes the `--` through; `deno test` would take it literally.
    await denoTests(stack, Deno.args[0] === '--' ? Deno.args.slice(1) : Deno.args);
  } finally {
    await stop();
  }
  return tally.failed > 0 ? 1 : 0;
}

try {
  const code = await main();
  if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  console.log(`\ntest: ${tally.passed} passed, ${tally.failed} failed`);
  Deno.exit(code);
} catch (error) {
  if (!(error instanceof StackError)) throw error;
  console.error(`error: ${error.message}`);
  Deno.exit(1);
}

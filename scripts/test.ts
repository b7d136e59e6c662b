/**
 * `deno task test`: runs the unit tests, then starts a fresh local stack on free ports (so it can
 * run beside `deno task dev`) and checks, in order:
 *   0. the unit tests in tests/unit/ pass, without a stack and with the permissions of
 *      `deno task test:unit` (read and write files, nothing else), before any stack starts;
 *   1. the migrations apply with `supabase migration up` (part of the stack's start),
 *   2. `supabase db advisors` reports nothing,
 *   3. the committed generated types match a fresh `supabase gen types`,
 *   4. the pgTAP suite in supabase/tests passes under pg_prove,
 *   5. the other Deno tests in tests/ pass against the stack over HTTP, the function given the
 *      legacy keys (anon key, JWT secret) and the tests signing HS256 tokens;
 *   6. on a second fresh stack, the HTTP suite of the function (tests/functions/) passes again
 *      with the new keys: the function given only the publishable key and the JWKS and served
 *      with `verify_jwt = false`, the tests using the publishable and secret keys and ES256 tokens.
 * Arguments after `--` go to `deno test` (e.g. `deno task test -- --filter merge`), and then only
 * the first pass runs; paths inside tests/unit/ go to the unit tests, the others to the stack's.
 * `TEST_KEYS=legacy` or `TEST_KEYS=new` runs only that pass (with `new`, the arguments replace
 * tests/functions/). The unit tests run whenever the arguments leave them something to run.
 * Ends with one line `test: N passed, N failed` counting every part, and exits non-zero on any
 * failure.
 */
import {
  type FunctionKeys,
  ROOT,
  type Stack,
  StackError,
  startStack,
  supabaseCli,
} from './stack/mod.ts';
import { onLifelineLost, which } from './stack/process.ts';
import { typesDrift } from './gen-types.ts';
import { type Finding, judgeFindings } from './stack/advisors.ts';
import { relative, resolve } from 'node:path';

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

/** Runs `deno test` with `args` and records what its summary line counts. */
async function denoTests(name: string, args: string[], env: Record<string, string>): Promise<void> {
  const [ok, out] = await stream([
    Deno.execPath(),
    'test',
    '--config',
    `${ROOT}/deno.json`,
    ...args,
  ], env);
  const plain = out.replaceAll(String.fromCharCode(27), '').replace(/\[[0-9;]*m/g, '');
  const summary = /(ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/.exec(plain);
  const passed = Number(summary?.[2] ?? 0);
  const failed = Number(summary?.[3] ?? 0);
  record(name, passed, ok ? failed : Math.max(failed, 1), ok ? undefined : 'see above');
}

/** The unit tests' folder: run once, before the stack, and ignored by the stack's runs. */
const UNIT = 'tests/unit';

/**
 * The Deno tests in `paths`, tests/unit/ left out, against `stack`, its clients using `keys`
 * (tests/_support/env.ts).
 */
function stackTests(
  name: string,
  stack: Stack,
  keys: 'legacy' | 'new',
  paths: string[],
): Promise<void> {
  return denoTests(name, ['--allow-all', `--ignore=${UNIT}/`, ...paths], {
    ...stack.env(),
    STACK_KEYS: keys,
    STACK_SIGNING_KEYS: stack.signingKeysPath,
  });
}

/** Where a path argument lies: inside tests/unit/, around it (`tests/`, `.`) or apart from it. */
function unitScope(path: string): 'inside' | 'around' | 'apart' {
  const rel = relative(ROOT, resolve(ROOT, path));
  if (rel === UNIT || rel.startsWith(`${UNIT}/`)) return 'inside';
  if (rel === '' || UNIT.startsWith(`${rel}/`)) return 'around';
  return 'apart';
}

/** The permission flags of `deno task test:unit`, so both run the unit tests alike. */
function unitFlags(): string[] {
  const task: string = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)).tasks['test:unit'];
  return task.split(/\s+/).filter((arg) => arg.startsWith('--'));
}

/** What stops the stack running now (for the signal handlers and a lost lifeline). */
let stopCurrent = () => Promise.resolve();

/** Starts a fresh stack in `dir`, runs `fn` with it, and stops and removes it. */
async function withStack(
  label: string,
  dir: string,
  options: { functionKeys: FunctionKeys; noVerifyJwt?: boolean },
  fn: (stack: Stack) => Promise<void>,
): Promise<void> {
  console.log(`\nStarting a fresh local stack for the tests (${label})…`);
  const started = Date.now();
  let stack: Stack;
  try {
    stack = await startStack({ dir, fast: true, log: (l) => console.log(`  ${l}`), ...options });
  } catch (error) {
    record(`the stack starts and the migrations apply (${label})`, 0, 1, (error as Error).message);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return;
  }
  record(`the stack starts and the migrations apply (${label}, ${Date.now() - started} ms)`, 1, 0);
  stopCurrent = () =>
    stack.stop().then(() => Deno.remove(dir, { recursive: true }).catch(() => {}));
  try {
    await fn(stack);
  } finally {
    await stopCurrent();
    stopCurrent = () => Promise.resolve();
  }
}

async function main(): Promise<number> {
  onLifelineLost(() => stopCurrent().then(() => Deno.exit(143)));
  Deno.addSignalListener('SIGINT', () => stopCurrent().then(() => Deno.exit(130)));
  Deno.addSignalListener('SIGTERM', () => stopCurrent().then(() => Deno.exit(143)));
  // `deno task test -- tests/stack/` passes the `--` through; `deno test` would take it literally.
  const args = Deno.args[0] === '--' ? Deno.args.slice(1) : Deno.args;
  const only = Deno.env.get('TEST_KEYS');
  if (only !== undefined && only !== 'legacy' && only !== 'new') {
    throw new StackError(`TEST_KEYS must be legacy or new, got "${only}".`);
  }
  const passes = only ? [only] : args.length ? ['legacy'] : ['legacy', 'new'];
  const dir = `${ROOT}/.stack/test-${Deno.pid}`;
  const given = args.filter(isPath);
  const options = args.filter((arg) => !isPath(arg));
  const unitPaths = !given.length || given.some((p) => unitScope(p) === 'around')
    ? [`${UNIT}/`]
    : given.filter((p) => unitScope(p) === 'inside');
  const stackPaths = given.filter((p) => unitScope(p) !== 'inside');
  const stackScope = !given.length || stackPaths.length > 0;

  if (unitPaths.length) {
    const name = `Deno unit tests (${unitPaths.join(' ')}), no stack`;
    await denoTests(name, [...unitFlags(), ...options, ...unitPaths], {});
  }
  if (passes.includes('legacy')) {
    await withStack('legacy keys', dir, { functionKeys: 'legacy' }, async (stack) => {
      await advisors(stack);
      await types(stack);
      await pgtap(stack);
      if (!stackScope) return;
      // Without a path, `deno test` would also run scripts/test.ts (a `test.ts`) inside itself.
      const paths = given.length ? stackPaths : ['tests/'];
      const but = paths.some((p) => unitScope(p) === 'around') ? `, not ${UNIT}/` : '';
      const name = `Deno tests (${paths.join(' ')}${but}), legacy keys and HS256 tokens`;
      await stackTests(name, stack, 'legacy', [...options, ...paths]);
    });
  }
  if (passes.includes('new') && stackScope) {
    const keys = { functionKeys: 'new', noVerifyJwt: true } as const;
    await withStack('new keys, verify_jwt off', `${dir}-new`, keys, async (stack) => {
      const paths = given.length ? stackPaths : ['tests/functions/'];
      const name = `Deno tests (${paths.join(' ')}), publishable and secret keys, ES256 ` +
        'tokens, the function served with verify_jwt = false';
      await stackTests(name, stack, 'new', [...options, ...paths]);
    });
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

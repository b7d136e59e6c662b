/**
 * The README's "Add your own module" followed literally: in a copy of the project, write the
 * files its `<!-- how-to file: … -->` blocks give, run the commands it names, then the test
 * command; the whole suite must stay green with the team's module beside the registry.
 */
import assert from 'node:assert/strict';
import { ROOT } from '../../scripts/stack/mod.ts';

const HOW_TO = /<!-- how-to file: (\S+) -->\s*```\w*\n([\s\S]*?)\n```/g;

/** The files the README's how-to asks a team to write: path → content. */
async function howToFiles(): Promise<Map<string, string>> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  return new Map([...readme.matchAll(HOW_TO)].map((m) => [m[1], `${m[2]}\n`]));
}

/** A copy of the project's tracked files, sharing the installed node_modules. */
async function copyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: 'registry-extending-' });
  const listed = await new Deno.Command('git', {
    args: ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    cwd: ROOT,
    stdout: 'piped',
  }).output();
  const files = new TextDecoder().decode(listed.stdout).split('\0').filter(Boolean);
  for (const file of files) {
    const target = `${dir}/${file}`;
    await Deno.mkdir(target.replace(/\/[^/]*$/, ''), { recursive: true });
    await Deno.copyFile(`${ROOT}/${file}`, target).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error; // deleted, not yet committed
    });
  }
  await Deno.symlink(`${ROOT}/node_modules`, `${dir}/node_modules`);
  return dir;
}

async function run(cwd: string, ...args: string[]) {
  const env: Record<string, string> = { NO_COLOR: '1' };
  for (const name of ['PATH', 'HOME', 'PG_BIN', 'POSTGREST_BIN', 'TMPDIR']) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  const out = await new Deno.Command(`${cwd}/node_modules/.bin/deno`, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdin: 'null',
    stdout: 'piped',
    stderr: 'piped',
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test('the README how-to adds a module, its table and its test, and the suite stays green', async () => {
  const files = await howToFiles();
  assert.deepEqual([...files.keys()].sort(), [
    'supabase/migrations/20270101000000_helpdesk.sql',
    'supabase/modules/helpdesk.json',
    'supabase/tests/helpdesk_tickets.sql',
  ]);
  const dir = await copyProject();
  try {
    for (const [path, content] of files) await Deno.writeTextFile(`${dir}/${path}`, content);

    const seed = await run(dir, 'task', 'modules:publish', '--seed');
    assert.equal(seed.code, 0, seed.text);
    assert.match(await Deno.readTextFile(`${dir}/supabase/seed.sql`), /'helpdesk'/);
    const types = await run(dir, 'task', 'gen:types');
    assert.equal(types.code, 0, types.text);
    assert.match(
      await Deno.readTextFile(`${dir}/packages/database/src/types/database.ts`),
      /"helpdesk_tickets": \{/,
    );

    // The test command, with one small Deno test file: stack, advisors, types, all of pgTAP.
    const test = await run(dir, 'task', 'test', '--', 'tests/stack/function_deps.test.ts');
    assert.equal(test.code, 0, test.text.slice(-6000));
    assert.match(test.text, /supabase\/tests\/helpdesk_tickets\.sql \.+ ok/);
    assert.match(test.text, /reported, not failing: your own table\) INFO unused_index/);
    assert.match(test.text, /test: \d+ passed, 0 failed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

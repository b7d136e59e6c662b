/**
 * The dev stack's file watcher: which saves reload which function, and the hook that reports
 * `supabase/modules/*.json` changes (`onModulesChange` of startStack) with real file events.
 */
import assert from 'node:assert/strict';
import { classify, type ProjectChanges, watchProject } from '../../scripts/stack/watch.ts';

const S = '/p/supabase';

Deno.test('watcher sorts changed paths into functions, shared code, modules, config, migrations', () => {
  const changes = classify(S, [
    `${S}/functions/modules/app.ts`,
    `${S}/functions/hello/index.ts`,
    `${S}/functions/hello/.index.ts.swp`,
    `${S}/functions/hello/4913`,
    `${S}/functions/hello/index.ts~`,
    `${S}/modules/agency.json`,
    `${S}/modules/notes.md`,
    `${S}/modules/drafts/crm.json`,
    `${S}/migrations/20990101000000_next.sql`,
    `${S}/.temp/cli-latest`,
    '/elsewhere/supabase/functions/other/index.ts',
  ]);
  assert.deepEqual([...changes.functions].sort(), ['hello', 'modules']);
  assert.deepEqual(changes.shared, false);
  assert.deepEqual([...changes.modules], [`${S}/modules/agency.json`]);
  assert.deepEqual([...changes.migrations], [`${S}/migrations/20990101000000_next.sql`]);
  assert.deepEqual(changes.config, false);

  assert.deepEqual(classify(S, [`${S}/functions/_shared/auth.ts`]).shared, true);
  assert.deepEqual(classify(S, [`${S}/functions/deno.json`]).shared, true);
  assert.deepEqual(classify(S, [`${S}/config.toml`]).config, true);
});

Deno.test('watcher reports the supabase/modules/*.json files that changed', async () => {
  const project = await Deno.makeTempDir({ prefix: 'watch-test-' });
  await Deno.mkdir(`${project}/supabase/modules`, { recursive: true });
  const settled: ProjectChanges[] = [];
  let seen = () => {};
  const reported = new Promise<void>((r) => (seen = r));
  const watcher = watchProject(project, {
    onSettled(changes) {
      settled.push(changes);
      if (changes.modules.size) seen();
    },
  }, 50);
  try {
    await Deno.writeTextFile(`${project}/supabase/modules/notes.md`, 'not a module');
    await Deno.writeTextFile(`${project}/supabase/modules/agency.json`, '{"id": "agency"}');
    await Deno.writeTextFile(`${project}/supabase/modules/agency.json`, '{"id": "agency", "v": 2}');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 10_000)));
    assert.notDeepEqual(await Promise.race([reported, timeout]), 'timeout', 'no report in 10 s');
    clearTimeout(timer);
    const modules = new Set(settled.flatMap((c) => [...c.modules]));
    assert.deepEqual([...modules], [`${project}/supabase/modules/agency.json`], '.json files only');
  } finally {
    watcher.close();
    await Deno.remove(project, { recursive: true });
  }
});

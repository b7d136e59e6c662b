/**
 * The dev stack's file watcher with real file events: the hook that reports
 * `supabase/modules/*.json` changes (`onModulesChange` of startStack). Which saves reload which
 * function is in tests/unit/scripts/stack/watch.test.ts.
 */
import assert from 'node:assert/strict';
import { type ProjectChanges, watchProject } from '../../scripts/stack/watch.ts';

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

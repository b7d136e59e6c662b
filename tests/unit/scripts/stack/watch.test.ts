/** The dev stack's file watcher (scripts/stack/watch.ts): which saves reload which function. */
import assert from 'node:assert/strict';
import { classify } from '../../../../scripts/stack/watch.ts';

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

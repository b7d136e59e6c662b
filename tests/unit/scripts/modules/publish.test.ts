/**
 * The seed that `modules:publish --seed` writes from the module files (scripts/modules/publish.ts),
 * without a database: required modules first, with their requirements and migrations.
 */
import assert from 'node:assert/strict';
import { seedSql } from '../../../../scripts/modules/publish.ts';
import { manifest } from '../../../_support/module-files.ts';

Deno.test('the seed upserts required modules first, with requires and migrations', () => {
  const seed = seedSql([
    manifest('zz_a', {
      version: '2.0.0',
      requires: { zz_b: '^1.0.0' },
      migrations: { '2.0.0': [{ op: 'remove', path: '/x' }] },
    }),
    manifest('zz_b'),
  ]);
  assert.ok(seed.indexOf("values ('zz_b'") < seed.indexOf("values ('zz_a'"), seed);
  assert.match(seed, /'\{\n {2}"zz_b": "\^1\.0\.0"\n\}'::jsonb/);
  assert.match(seed, /"op": "remove"/);
  assert.match(seed, /requires = excluded\.requires,\n {4}migrations = excluded\.migrations/);
});

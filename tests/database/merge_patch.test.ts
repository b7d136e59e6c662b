/**
 * The settings merge is `private.jsonb_merge_patch` in the database (called by
 * `public.merge_tenant_module_settings`); the bench's baseline keeps the earlier JavaScript merge.
 * Both are checked against every example of RFC 7396's appendix.
 */
import assert from 'node:assert/strict';
import { mergePatch } from '../../bench/baseline/merge-patch.ts';
import type { JsonValue } from '../../supabase/functions/_shared/json.ts';
import { connect } from '../_support/fixtures.ts';

// RFC 7396, Appendix A: every example, target + patch = result.
const RFC_EXAMPLES: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

Deno.test('jsonb_merge_patch matches every RFC 7396 appendix example', async () => {
  const sql = connect();
  try {
    for (const [i, [target, patch, expected]] of RFC_EXAMPLES.entries()) {
      const [{ merged }] = await sql<{ merged: JsonValue }[]>`
        select private.jsonb_merge_patch(${sql.json(target as never)}, ${
        sql.json(patch as never)
      }) as merged`;
      assert.deepEqual(merged, expected, `example ${i + 1}`);
    }
  } finally {
    await sql.end();
  }
});

Deno.test('jsonb_merge_patch keeps untouched values exactly as jsonb stores them', async () => {
  const sql = connect();
  try {
    const [{ merged }] = await sql<{ merged: string }[]>`
      select private.jsonb_merge_patch(
        '{"big": 12345678901234567890, "price": 1.10, "nested": {"x": 0.000001000}}',
        '{"nested": {"y": 1}, "other": 2}'
      )::text as merged`;
    assert.equal(
      merged,
      '{"big": 12345678901234567890, "other": 2, "price": 1.10, "nested": {"x": 0.000001000, "y": 1}}',
    );
  } finally {
    await sql.end();
  }
});

Deno.test('baseline mergePatch matches every RFC 7396 appendix example', () => {
  for (const [i, [target, patch, expected]] of RFC_EXAMPLES.entries()) {
    assert.deepEqual(mergePatch(target, patch), expected, `example ${i + 1}`);
  }
});

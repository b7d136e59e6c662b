/**
 * The settings merge is `private.jsonb_merge_patch` in the database (called by
 * `public.merge_tenant_module_settings`), checked against every example of RFC 7396's appendix
 * (the bench's baseline JavaScript merge is checked against them in tests/unit/bench/).
 */
import assert from 'node:assert/strict';
import type { JsonValue } from '../../supabase/functions/_shared/json.ts';
import { connect } from '../_support/fixtures.ts';
import { RFC_EXAMPLES } from '../_support/rfc7396.ts';

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

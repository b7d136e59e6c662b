/** The shape every route returns for an installed module (supabase/functions/modules/rows.ts). */
import assert from 'node:assert/strict';
import {
  ROW,
  type RowWithSettingsText,
  toRow,
} from '../../../../supabase/functions/modules/rows.ts';

/** A row as PostgREST returns it for `ROW`: the settings as jsonb's own text. */
const row = (settings: string): RowWithSettingsText => ({
  tenant_id: '00000000-0000-4000-8000-000000000001',
  module_id: 'crm',
  version: '1.2.0',
  enabled: true,
  settings,
  installed_at: '2026-01-01T00:00:00+00:00',
  updated_at: '2026-01-02T00:00:00.000001+00:00',
});

Deno.test('toRow writes the settings back with every number as jsonb stored it', () => {
  const stored = '{"big": 12345678901234567890, "price": 1.10, "nested": {"x": 0.000001000}}';
  const json = JSON.stringify(toRow(row(stored)));
  assert.match(
    json,
    /"settings":\{"big":12345678901234567890,"price":1\.10,"nested":\{"x":0\.000001000\}\}/,
  );
});

Deno.test('toRow parses the settings and keeps every other column as it came', () => {
  const input = row('{"limit": 3, "tags": ["a"], "owner": null}');
  const { settings, ...rest } = toRow(input);
  assert.deepEqual(settings, { limit: 3, tags: ['a'], owner: null });
  const { settings: text, ...expected } = input;
  assert.deepEqual(rest, expected);
  assert.equal(text, '{"limit": 3, "tags": ["a"], "owner": null}', 'the input row is left alone');
  assert.deepEqual(toRow(row('{}')).settings, {});
});

Deno.test('ROW selects the columns of a module row, the settings as text, never the internal id', () => {
  const columns = ROW.split(',').map((c) => c.trim());
  assert.deepEqual(columns, [
    'tenant_id',
    'module_id',
    'version',
    'enabled',
    'settings::text',
    'installed_at',
    'updated_at',
  ]);
});

/**
 * Module files (scripts/modules/manifest.ts), without a database: every kind of migration step is
 * accepted, a malformed one is named by file and path, and required modules come first.
 */
import assert from 'node:assert/strict';
import {
  ManifestError,
  readManifest,
  requirementsFirst,
} from '../../../../scripts/modules/manifest.ts';
import { manifest, moduleDir, moduleFile } from '../../../_support/module-files.ts';

Deno.test('a module file may declare requirements and every kind of migration step', async () => {
  const migrations = {
    '1.1.0': [{ op: 'add', path: '/limits/clients', value: 10 }],
    '2.0.0': [
      { op: 'replace', path: '/plan', value: 'pro' },
      { op: 'move', from: '/approver', path: '/approval/email' },
      { op: 'copy', from: '/currency', path: '/billing/currency' },
      { op: 'compute', path: '/day_minutes', jsonpath: '$.day_hours * 60' },
      { op: 'remove', path: '/day_hours' },
    ],
  };
  const dir = await moduleDir({
    ...moduleFile('zz_all_steps', { version: '2.0.0' }),
    requires: { crm: '^1.2.0' },
    migrations,
  });
  const m = await readManifest(`${dir}/zz_all_steps.json`);
  assert.deepEqual(m.requires, { crm: '^1.2.0' });
  assert.deepEqual(m.migrations, migrations);
});

Deno.test('a module file without requires or migrations has none', async () => {
  const dir = await moduleDir(moduleFile('zz_plain'));
  const m = await readManifest(`${dir}/zz_plain.json`);
  assert.deepEqual([m.requires, m.migrations], [{}, {}]);
});

Deno.test('a malformed requirement or step is named with its file and path', async () => {
  const dir = await moduleDir({
    ...moduleFile('zz_bad', { version: '2.0.0' }),
    requires: { 'Not A Slug': '^1.0.0', crm: '' },
    migrations: {
      'two': [],
      '2.0.0': [
        { op: 'add', path: '/a' },
        { op: 'remove', path: '/a', value: 1 },
        { op: 'compute', path: '', jsonpath: '$.a' },
      ],
    },
  });
  await assert.rejects(readManifest(`${dir}/zz_bad.json`), (error) => {
    assert.ok(error instanceof ManifestError);
    const problems = error.message.replace(/^zz_bad\.json: /, '').split('; ');
    assert.deepEqual(problems, [
      'requires["Not A Slug"]: the key must be a slug: a-z, then 1 to 62 of a-z 0-9 _ -',
      'requires.crm must be a version range such as ^1.2.0',
      'migrations.two: the key must be a semantic version such as 1.2.3',
      'migrations["2.0.0"][0].value is required',
      'migrations["2.0.0"][1] has unknown key(s) "value"',
      'migrations["2.0.0"][2].path must be a JSON Pointer to a key inside the settings, ' +
      'such as /branding/color',
    ]);
    return true;
  });
});

Deno.test('required modules come first, whatever their ids; a cycle keeps the id order', () => {
  const order = (modules: ReturnType<typeof manifest>[]) =>
    requirementsFirst(modules).map((m) => m.id);
  assert.deepEqual(
    order([
      manifest('zz_a', { requires: { zz_c: '^1.0.0' } }),
      manifest('zz_b'),
      manifest('zz_c', { requires: { zz_d: '*', zz_elsewhere: '*' } }),
      manifest('zz_d'),
    ]),
    ['zz_d', 'zz_c', 'zz_a', 'zz_b'],
  );
  assert.deepEqual(
    order([
      manifest('zz_y', { requires: { zz_x: '*' } }),
      manifest('zz_x', { requires: { zz_y: '*' } }),
    ]),
    ['zz_y', 'zz_x'],
  );
});
